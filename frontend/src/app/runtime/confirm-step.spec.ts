import { Component, signal } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { ConfirmStep } from './confirm-step';

@Component({
  imports: [ConfirmStep],
  template: `<tc2-confirm-step label="Delete it" question="Really delete it?" confirmLabel="Yes, delete"
                               [danger]="true" (confirmed)="confirmations.set(confirmations() + 1)" />`,
})
class Host {
  readonly confirmations = signal(0);
}

describe('ConfirmStep', () => {
  let fixture: ComponentFixture<Host>;
  let element: HTMLElement;

  function button(name: string): HTMLButtonElement | undefined {
    return [...element.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);
  }

  beforeEach(async () => {
    fixture = TestBed.createComponent(Host);
    element = fixture.nativeElement;
    document.body.appendChild(element);
    await fixture.whenStable();
  });

  afterEach(() => element.remove());

  it('asks before it confirms, and puts focus on Cancel for a dangerous action', async () => {
    button('Delete it')!.click();
    await fixture.whenStable();

    expect(element.textContent).toContain('Really delete it?');
    expect(fixture.componentInstance.confirmations()).toBe(0);
    expect(document.activeElement).toBe(button('Cancel'));

    button('Yes, delete')!.click();
    await fixture.whenStable();

    expect(fixture.componentInstance.confirmations()).toBe(1);
    expect(button('Yes, delete')).toBeUndefined();
    expect(document.activeElement).toBe(button('Delete it'));
  });

  it('cancels with Escape and confirms nothing', async () => {
    button('Delete it')!.click();
    await fixture.whenStable();

    button('Cancel')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await fixture.whenStable();

    expect(button('Delete it')).toBeDefined();
    expect(fixture.componentInstance.confirmations()).toBe(0);
  });
});
