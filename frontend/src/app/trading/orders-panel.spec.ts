import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { buttonNamed, setUpPageTesting } from '../shared/testing/dom';
import { signInAs } from '../shared/testing/roles';
import { OrdersPanel } from './orders-panel';
import { ORDER_ID, command, order } from './testing/trading-fixtures';

describe('OrdersPanel', () => {
  let fixture: ComponentFixture<OrdersPanel>;
  let http: HttpTestingController;
  let element: HTMLElement;

  function start(): void {
    fixture = TestBed.createComponent(OrdersPanel);
    element = fixture.nativeElement;
    fixture.detectChanges();
    vi.advanceTimersByTime(0);
    http.expectOne('/api/trading/orders').flush({ orders: [order()] });
    fixture.detectChanges();
  }

  beforeEach(() => {
    vi.useFakeTimers();
    http = setUpPageTesting();
    signInAs('staff');
  });

  afterEach(() => {
    fixture?.destroy();
    http.verify();
    vi.useRealTimers();
  });

  it('shows each open order with its prices and New York submission time', () => {
    start();
    const row = element.querySelector(`tr[data-order="${ORDER_ID}"]`)!;
    expect(row.textContent).toContain('2026-05-28 14:30:00 ET');
    expect(row.textContent).toContain('510.00');
    expect(row.textContent).toContain('limit');
  });

  it('cancels an order only after the confirmation', () => {
    start();

    const trigger = buttonNamed(element, `Cancel order ${ORDER_ID}`);
    expect(trigger.textContent?.trim()).toBe('Cancel order'); // the id only in its accessible name
    trigger.click();
    fixture.detectChanges();
    http.expectNone(`/api/trading/orders/${ORDER_ID}/cancel`);
    buttonNamed(element, 'Cancel the order').click();
    http
      .expectOne(`/api/trading/orders/${ORDER_ID}/cancel`)
      .flush(command({ kind: 'cancel_order', message: 'cancelled' }));
    fixture.detectChanges();

    expect(element.querySelector('[role="status"]')?.textContent).toContain(
      'cancel order sent to the day trader: done',
    );
  });

  it('hides the cancel from a viewer and says why', () => {
    signInAs('user');
    start();

    expect(() => buttonNamed(element, `Cancel order ${ORDER_ID}`)).toThrow();
    expect(element.querySelector('.staff-only')?.textContent).toContain(
      'Only staff can cancel an order',
    );
  });
});
