import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';

import { AuthService } from './auth.service';

/** Pages behind the login; the page asked for is kept so the login can return to it. */
export const signedInGuard: CanActivateFn = (_route, state) => {
  const auth = inject(AuthService);
  if (auth.signedIn()) {
    return true;
  }
  return inject(Router).createUrlTree(['/login'], { queryParams: { next: state.url } });
};
