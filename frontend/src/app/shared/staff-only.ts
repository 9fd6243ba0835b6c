import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';

import { CurrentUser } from '../core/current-user';

/**
 * Why a control is disabled or missing for a user who is not staff: "Only staff can <action>".
 * Shows nothing for staff.
 */
@Component({
  selector: 'tc2-staff-only',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (!user.isStaff()) {
      <p class="notice staff-only" role="note">{{ reason() }}</p>
    }
  `,
})
export class StaffOnly {
  protected readonly user = inject(CurrentUser);
  /** What needs staff, completing "Only staff can …", e.g. "change the settings". */
  readonly action = input.required<string>();
  protected readonly reason = computed(() => {
    const me = this.user.me();
    const who = me ? `you are signed in as ${me.username}, without staff rights` : 'your role is not known yet';
    return `Only staff can ${this.action()}: ${who}. Ask an administrator to do it, or to make you staff.`;
  });
}
