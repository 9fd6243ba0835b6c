import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { AuthService, REFRESH_STORAGE_KEY, SESSION_ENDED_MESSAGE, tokenClaims } from './auth.service';

function jwt(claims: object): string {
  const body = btoa(JSON.stringify(claims)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `header.${body}.signature`;
}

describe('AuthService', () => {
  let auth: AuthService;
  let http: HttpTestingController;

  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([{ path: 'login', children: [] }])],
    });
    auth = TestBed.inject(AuthService);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  it('reads the expiry of a token', () => {
    expect(tokenClaims(jwt({ exp: 1700000000, user_id: '1' })).exp).toBe(1700000000);
    expect(tokenClaims('not a token')).toEqual({});
  });

  it('keeps the access token in memory and only the refresh token in storage', () => {
    auth.login('admin', 'secret').subscribe();
    const request = http.expectOne('/api/token');
    expect(request.request.body).toEqual({ username: 'admin', password: 'secret' });
    request.flush({ access: jwt({ exp: Date.now() / 1000 + 3600 }), refresh: 'r1' });

    expect(auth.signedIn()).toBe(true);
    expect(localStorage.getItem(REFRESH_STORAGE_KEY)).toBe('r1');
    expect(JSON.stringify(localStorage)).not.toContain(auth.access()!);
  });

  it('ends the session with a message when the refresh is refused', () => {
    localStorage.setItem(REFRESH_STORAGE_KEY, 'revoked');
    let failed = false;
    auth.refresh().subscribe({ error: () => (failed = true) });

    http.expectOne('/api/token/refresh').flush(
      { error: { code: 'token_not_valid', message: 'Token is blacklisted', details: {} } },
      { status: 401, statusText: 'Unauthorized' },
    );

    expect(failed).toBe(true);
    expect(auth.signedIn()).toBe(false);
    expect(auth.notice()).toBe(SESSION_ENDED_MESSAGE);
    expect(localStorage.getItem(REFRESH_STORAGE_KEY)).toBeNull();
  });

  it('shares one refresh between concurrent callers (refresh tokens are single use)', () => {
    localStorage.setItem(REFRESH_STORAGE_KEY, 'r1');
    const tokens: string[] = [];
    auth.refresh().subscribe((t) => tokens.push(t));
    auth.refresh().subscribe((t) => tokens.push(t));

    const access = jwt({ exp: Date.now() / 1000 + 3600 });
    http.expectOne('/api/token/refresh').flush({ access, refresh: 'r2' });

    expect(tokens).toEqual([access, access]);
    expect(localStorage.getItem(REFRESH_STORAGE_KEY)).toBe('r2');
  });
});
