import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';

import { authInterceptor } from './auth.interceptor';
import { AuthService, REFRESH_STORAGE_KEY, SESSION_ENDED_MESSAGE } from './auth.service';

function jwt(exp: number): string {
  return `h.${btoa(JSON.stringify({ exp })).replace(/=+$/, '')}.s`;
}

describe('authInterceptor', () => {
  let http: HttpClient;
  let backend: HttpTestingController;
  let auth: AuthService;

  beforeEach(async () => {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([{ path: 'login', children: [] }, { path: 'runtime/console', children: [] }]),
      ],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
    auth = TestBed.inject(AuthService);
    await TestBed.inject(Router).navigateByUrl('/runtime/console');
    auth.login('admin', 'pw').subscribe();
    backend.expectOne('/api/token').flush({ access: jwt(Date.now() / 1000 + 3600), refresh: 'r1' });
  });

  afterEach(() => backend.verify());

  it('sends the bearer token to the API only', () => {
    http.get('/api/settings').subscribe();
    http.get('/assets/logo.svg').subscribe();

    expect(backend.expectOne('/api/settings').request.headers.get('Authorization')).toBe(`Bearer ${auth.access()}`);
    expect(backend.expectOne('/assets/logo.svg').request.headers.has('Authorization')).toBe(false);
  });

  it('refreshes once on a 401 and retries with the new token', () => {
    let body: unknown;
    http.get('/api/settings').subscribe((b) => (body = b));
    backend.expectOne('/api/settings').flush({}, { status: 401, statusText: 'Unauthorized' });

    const fresh = jwt(Date.now() / 1000 + 7200);
    backend.expectOne('/api/token/refresh').flush({ access: fresh, refresh: 'r2' });
    const retried = backend.expectOne('/api/settings');
    expect(retried.request.headers.get('Authorization')).toBe(`Bearer ${fresh}`);
    retried.flush({ symbols: [] });

    expect(body).toEqual({ symbols: [] });
    expect(localStorage.getItem(REFRESH_STORAGE_KEY)).toBe('r2');
  });

  it('returns to the login page with a message when the session was revoked', async () => {
    let failed = false;
    http.get('/api/settings').subscribe({ error: () => (failed = true) });
    backend.expectOne('/api/settings').flush({}, { status: 401, statusText: 'Unauthorized' });
    backend
      .expectOne('/api/token/refresh')
      .flush({ error: { code: 'token_not_valid', message: 'Token is blacklisted', details: {} } }, { status: 401, statusText: 'Unauthorized' });
    await TestBed.inject(Router).navigated;
    await new Promise((resolve) => setTimeout(resolve));

    expect(failed).toBe(true);
    expect(auth.signedIn()).toBe(false);
    expect(auth.notice()).toBe(SESSION_ENDED_MESSAGE);
    expect(TestBed.inject(Router).url).toBe('/login');
  });
});
