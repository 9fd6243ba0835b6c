import { ChangeDetectionStrategy, Component, provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';

import { typeInto } from '../shared/testing/dom';
import { parameterProblem, parameterValues, parametersForm } from './run-form';
import { StrategyParameter } from './strategy-api';
import { StrategyParams } from './strategy-params';

const MIN_REWARD: StrategyParameter = {
  name: 'min_reward_pct',
  type: 'float',
  default: 0.0016,
  low: 0,
  high: 0.05,
  description: 'smallest range height, as a fraction of the support',
};
const MAX_BUY_SECONDS: StrategyParameter = {
  name: 'max_buy_seconds',
  type: 'int',
  default: 120,
  low: 5,
  high: 3600,
  description: '',
};
const PARAMETERS = [MIN_REWARD, MAX_BUY_SECONDS];

@Component({
  imports: [StrategyParams],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<tc2-strategy-params [form]="form" [parameters]="parameters" strategyId="breakout1" />`,
})
class Host {
  readonly parameters = PARAMETERS;
  readonly form = parametersForm(PARAMETERS);
}

describe('StrategyParams', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideZonelessChangeDetection()] });
  });

  it('shows a stored fraction as a percentage and keeps the fraction in the form', async () => {
    const fixture = TestBed.createComponent(Host);
    fixture.detectChanges();
    await fixture.whenStable();
    const element: HTMLElement = fixture.nativeElement;
    const input = element.querySelector<HTMLInputElement>('#param-min_reward_pct')!;

    expect(input.value).toBe('0.16');
    expect(element.textContent).toContain('percent, default 0.16 %, 0.00 % to 5.00 %');
    expect(parameterValues(fixture.componentInstance.form)).toEqual({ min_reward_pct: 0.0016, max_buy_seconds: 120 });

    typeInto(input, '0.25');
    expect(fixture.componentInstance.form.controls['min_reward_pct'].value).toBe(0.0025);
    typeInto(input, '6');
    fixture.componentInstance.form.markAllAsTouched();
    fixture.detectChanges();
    expect(element.querySelector('.field-error')?.textContent).toContain('must be from 0.00 % to 5.00 %, was 6.00 %');
    // Other numbers stay as they are.
    expect(element.querySelector<HTMLInputElement>('#param-max_buy_seconds')!.value).toBe('120');
  });

  it('names the bounds of a fraction in percent', () => {
    expect(parameterProblem(MIN_REWARD, 0.06)).toBe('must be from 0.00 % to 5.00 %, was 6.00 %');
    expect(parameterProblem(MAX_BUY_SECONDS, 1)).toBe('must be from 5 to 3600, was 1');
  });
});
