import { Directive, ElementRef, forwardRef, inject } from '@angular/core';
import { ControlValueAccessor, NG_VALUE_ACCESSOR } from '@angular/forms';

import { fractionToPercentInput, percentInputToFraction } from './format';

/**
 * An input that shows a stored fraction in percent and hands the control the fraction again:
 * the control (and what is sent) holds ``0.0016`` while the person reads and types ``0.16``
 * (next to a ``%`` sign). Text that is not a number gives NaN, which the control's check names.
 */
@Directive({
  selector: 'input[tc2Percent]',
  providers: [{ provide: NG_VALUE_ACCESSOR, useExisting: forwardRef(() => PercentInput), multi: true }],
  host: {
    '(input)': 'changed($any($event.target).value)',
    '(blur)': 'touched()',
  },
})
export class PercentInput implements ControlValueAccessor {
  private readonly element = inject<ElementRef<HTMLInputElement>>(ElementRef);
  private onChange: (value: number | null) => void = () => undefined;
  private onTouched: () => void = () => undefined;

  writeValue(value: unknown): void {
    this.element.nativeElement.value = typeof value === 'number' ? fractionToPercentInput(value) : '';
  }

  registerOnChange(fn: (value: number | null) => void): void {
    this.onChange = fn;
  }

  registerOnTouched(fn: () => void): void {
    this.onTouched = fn;
  }

  setDisabledState(disabled: boolean): void {
    this.element.nativeElement.disabled = disabled;
  }

  protected changed(text: string): void {
    this.onChange(percentInputToFraction(text));
  }

  protected touched(): void {
    this.onTouched();
  }
}
