import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { Observable } from 'rxjs';

import { AuthService, REFRESH_STORAGE_KEY, SESSION_ENDED_MESSAGE, tokenClaims } from './auth.service';
import { SessionMessage, SessionSync } from './session-sync';

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

/** Another tab, as far as this one can tell: it holds the refresh lock and publishes. */
class OtherTabs {
  readonly published: SessionMessage[] = [];
  holdingLock = false;
  private hear: (message: SessionMessage) => void = () => undefined;
  private readonly waiting: (() => void)[] = [];

  exclusive<T>(work: () => Observable<T>): Observable<T> {
    if (!this.holdingLock) {
      return work();
    }
    return new Observable<T>((subscriber) => {
      this.waiting.push(() => work().subscribe(subscriber));
    });
  }

  releaseLock(): void {
    this.holdingLock = false;
    this.waiting.splice(0).forEach((run) => run());
  }

  publish(message: SessionMessage): void {
    this.published.push(message);
  }

  listen(handler: (message: SessionMessage) => void): void {
    this.hear = handler;
  }

  send(message: SessionMessage): void {
    this.hear(message);
  }
}

describe('AuthService across tabs', () => {
  let auth: AuthService;
  let http: HttpTestingController;
  let tabs: OtherTabs;

  beforeEach(() => {
    localStorage.clear();
    tabs = new OtherTabs();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([{ path: 'login', children: [] }]),
        { provide: SessionSync, useValue: tabs },
      ],
    });
    auth = TestBed.inject(AuthService);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  it('takes the token of a tab that refreshed first instead of spending the refresh token again', () => {
    localStorage.setItem(REFRESH_STORAGE_KEY, 'r1');
    tabs.holdingLock = true;
    const tokens: string[] = [];
    auth.refresh().subscribe((token) => tokens.push(token));

    const theirs = jwt({ exp: Date.now() / 1000 + 3600 });
    localStorage.setItem(REFRESH_STORAGE_KEY, 'r2');
    tabs.send({ kind: 'token', access: theirs, username: 'admin' });
    tabs.releaseLock();

    http.expectNone('/api/token/refresh');
    expect(tokens).toEqual([theirs]);
    expect(auth.signedIn()).toBe(true);
    expect(auth.username()).toBe('admin');
  });

  it('refreshes with the stored token when its turn comes and no token was published', () => {
    localStorage.setItem(REFRESH_STORAGE_KEY, 'r1');
    tabs.holdingLock = true;
    auth.refresh().subscribe();
    localStorage.setItem(REFRESH_STORAGE_KEY, 'r2'); // the other tab rotated it meanwhile
    tabs.releaseLock();

    const request = http.expectOne('/api/token/refresh');
    expect(request.request.body).toEqual({ refresh: 'r2' });
    request.flush({ access: jwt({ exp: Date.now() / 1000 + 3600 }), refresh: 'r3' });
    expect(localStorage.getItem(REFRESH_STORAGE_KEY)).toBe('r3');
  });

  it('tells the other tabs the new token after a refresh', () => {
    localStorage.setItem(REFRESH_STORAGE_KEY, 'r1');
    auth.refresh().subscribe();
    const access = jwt({ exp: Date.now() / 1000 + 3600 });
    http.expectOne('/api/token/refresh').flush({ access, refresh: 'r2' });

    expect(tabs.published).toEqual([{ kind: 'token', access, username: null }]);
  });

  it('signs out every tab when one signs out, and follows another tab signing out', () => {
    auth.login('admin', 'pw').subscribe();
    http.expectOne('/api/token').flush({ access: jwt({ exp: Date.now() / 1000 + 3600 }), refresh: 'r1' });

    auth.logout();
    http.expectOne('/api/token/revoke').flush({});
    expect(tabs.published.at(-1)).toEqual({ kind: 'ended', message: 'You are signed out.' });

    tabs.send({ kind: 'token', access: jwt({ exp: Date.now() / 1000 + 3600 }), username: 'admin' });
    expect(auth.signedIn()).toBe(true);
    localStorage.setItem(REFRESH_STORAGE_KEY, 'r9');
    tabs.send({ kind: 'ended', message: 'You are signed out.' });
    expect(auth.signedIn()).toBe(false);
    expect(auth.notice()).toBe('You are signed out.');
    expect(localStorage.getItem(REFRESH_STORAGE_KEY)).toBeNull();
  });
});
