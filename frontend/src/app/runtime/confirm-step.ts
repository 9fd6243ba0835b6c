import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  Injector,
  afterNextRender,
  inject,
  input,
  output,
  signal,
  viewChild,
} from '@angular/core';

/**
 * A button whose action needs a second, explicit step: the first click asks the question inline
 * ("Are you sure? [Confirm] [Cancel]"), the second does it. No browser dialog, so keyboards,
 * screen readers and the e2e tests drive it like the rest of the page. Escape cancels.
 *
 * For a dangerous action focus lands on Cancel, so two quick Enters do nothing harmful.
 */
@Component({
  selector: 'tc2-confirm-step',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '(keydown.escape)': 'cancel()' },
  template: `
    @if (!asking()) {
      <button
        #trigger
        type="button"
        [class.danger]="danger()"
        [disabled]="disabled()"
        [attr.aria-label]="accessibleName()"
        (click)="ask()"
      >
        {{ label() }}
      </button>
    } @else {
      <div class="confirm-step" role="group" [attr.aria-label]="accessibleName() ?? label()">
        <span class="question">{{ question() }}</span>
        <button #confirm type="button" [class.danger]="danger()" (click)="accept()">
          {{ confirmLabel() }}
        </button>
        <button #cancelButton type="button" class="secondary" (click)="cancel()">Cancel</button>
      </div>
    }
  `,
  styles: `
    .confirm-step {
      display: inline-flex;
      gap: 0.5rem;
      align-items: center;
      flex-wrap: wrap;
      border: 1px solid var(--warn);
      border-radius: 4px;
      padding: 0.4rem 0.6rem;
    }
    .question {
      font-weight: 600;
    }
  `,
})
export class ConfirmStep {
  private readonly injector = inject(Injector);
  /** The first button's visible name, e.g. "Restart program". */
  readonly label = input.required<string>();
  /** What the second step asks, e.g. "Restart every component?". */
  readonly question = input.required<string>();
  /** The first button's accessible name when its visible label is shorter ("Cancel order" of which order). */
  readonly accessibleName = input<string | null>(null);
  readonly confirmLabel = input('Confirm');
  readonly danger = input(false);
  readonly disabled = input(false);
  /** Emitted only after the second, confirming click. */
  readonly confirmed = output<void>();

  protected readonly asking = signal(false);
  private readonly trigger = viewChild<ElementRef<HTMLButtonElement>>('trigger');
  private readonly confirmButton = viewChild<ElementRef<HTMLButtonElement>>('confirm');
  private readonly cancelButton = viewChild<ElementRef<HTMLButtonElement>>('cancelButton');

  protected ask(): void {
    this.asking.set(true);
    this.focusAfterRender(() => (this.danger() ? this.cancelButton() : this.confirmButton()));
  }

  protected accept(): void {
    this.asking.set(false);
    this.confirmed.emit();
    this.focusAfterRender(() => this.trigger());
  }

  protected cancel(): void {
    if (!this.asking()) {
      return;
    }
    this.asking.set(false);
    this.focusAfterRender(() => this.trigger());
  }

  private focusAfterRender(target: () => ElementRef<HTMLElement> | undefined): void {
    afterNextRender(() => target()?.nativeElement.focus(), { injector: this.injector });
  }
}
