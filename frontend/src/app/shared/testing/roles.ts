/** Sign the page specs' user in as staff or as a plain user (what GET /api/me would say). */
import { TestBed } from '@angular/core/testing';

import { CurrentUser } from '../../core/current-user';

export function signInAs(role: 'staff' | 'user'): void {
  TestBed.inject(CurrentUser).me.set({ username: role === 'staff' ? 'admin' : 'trader', is_staff: role === 'staff' });
}
