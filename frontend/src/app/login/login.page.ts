import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router } from '@angular/router';

import { ApiError, apiErrorFrom } from '../core/api';
import { AuthService } from '../core/auth.service';
import { ErrorBox } from '../shared/error-box';

@Component({
  selector: 'tc2-login-page',
  imports: [FormsModule, ErrorBox],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="login card">
      <h1>Sign in to TC2</h1>
      @if (auth.notice(); as notice) {
        <p class="notice" role="status">{{ notice }}</p>
      }
      <form (ngSubmit)="submit()" #form="ngForm" novalidate>
        <label for="username">Username</label>
        <input id="username" name="username" autocomplete="username" required [(ngModel)]="username" />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required [(ngModel)]="password" />
        @if (missing()) {
          <p class="field-error" role="alert">Enter a username and a password.</p>
        }
        <tc2-error-box [error]="error()" />
        <button type="submit" [disabled]="busy()">Sign in</button>
      </form>
    </section>
  `,
})
export class LoginPage {
  protected readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  /** Where to go after signing in (the guard's ``?next=``): only a path inside the panel. */
  readonly next = input<string | undefined>();
  protected username = '';
  protected password = '';
  protected readonly busy = signal(false);
  protected readonly missing = signal(false);
  protected readonly error = signal<ApiError | null>(null);

  protected submit(): void {
    this.missing.set(!this.username.trim() || !this.password);
    if (this.missing()) {
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    this.auth.login(this.username.trim(), this.password).subscribe({
      next: () => {
        this.busy.set(false);
        const next = this.next() ?? '';
        void this.router.navigateByUrl(next.startsWith('/') && !next.startsWith('//') ? next : '/runtime/console');
      },
      error: (error: unknown) => {
        this.busy.set(false);
        this.error.set(apiErrorFrom(error));
      },
    });
  }
}
