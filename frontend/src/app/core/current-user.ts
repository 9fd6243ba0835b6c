/**
 * Who is signed in and whether they are staff (GET /api/me). Staff change what every user
 * shares (settings, market data, strategy files, the program, the logs); everyone else reads and
 * runs research. Pages disable or hide staff controls by ``isStaff`` and say why; the server
 * refuses them anyway (403), so this only spares a user a control that cannot work.
 */
import { Injectable, computed, inject, signal } from '@angular/core';

import { ApiClient, Schemas } from './api';

export type Me = Schemas['MeOutput'];

@Injectable({ providedIn: 'root' })
export class CurrentUser {
  private readonly api = inject(ApiClient);
  /** Null until known (and after signing out): staff controls stay disabled meanwhile. */
  readonly me = signal<Me | null>(null);
  readonly isStaff = computed(() => this.me()?.is_staff === true);

  load(): void {
    this.api.get('/api/me').subscribe({
      next: (me) => this.me.set(me),
      error: () => this.me.set(null),
    });
  }

  clear(): void {
    this.me.set(null);
  }
}
