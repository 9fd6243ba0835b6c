/**
 * The session: the access token lives only in memory, the refresh token in localStorage so a
 * reload (or a deep link) keeps the user signed in. Tokens never go into a URL. The access token
 * is refreshed a minute before it expires; a refresh the server refuses (expired, or revoked by
 * a logout elsewhere or an admin password reset) ends the session with a message on the login page.
 * The tabs of one browser refresh one at a time and share the outcome (``SessionSync``): a tab
 * that waited for another's refresh takes that tab's token instead of spending the refresh token
 * again, and signing in or out in one tab does so in all.
 */
import { HttpBackend, HttpClient } from '@angular/common/http';
import { Injectable, computed, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import { Observable, catchError, finalize, firstValueFrom, map, of, shareReplay, tap, throwError } from 'rxjs';

import { Schemas, apiErrorFrom } from './api';
import { SessionMessage, SessionSync } from './session-sync';

export const REFRESH_STORAGE_KEY = 'tc2.refresh';
/** Refresh this long before the access token expires. */
const REFRESH_AHEAD_MS = 60_000;
export const SESSION_ENDED_MESSAGE = 'Your session has ended (expired or revoked). Please sign in again.';

interface TokenClaims {
  exp?: number;
  user_id?: string;
}

/** The claims of a JWT, or {} when it cannot be read (the server decides validity anyway). */
export function tokenClaims(token: string): TokenClaims {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), '='))) as TokenClaims;
  } catch {
    return {};
  }
}

/** Whether ``token`` is due for a refresh (or unreadable). */
function expiresSoon(token: string): boolean {
  const exp = tokenClaims(token).exp;
  return exp === undefined || exp * 1000 - Date.now() < REFRESH_AHEAD_MS;
}

@Injectable({ providedIn: 'root' })
export class AuthService {
  // Token calls bypass the interceptor: they carry no bearer token and must not retry on 401.
  private readonly http = new HttpClient(inject(HttpBackend));
  private readonly router = inject(Router);
  private readonly sync = inject(SessionSync);
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Observable<string> | null = null;

  private readonly accessToken = signal<string | null>(null);
  readonly username = signal<string | null>(localStorage.getItem('tc2.username'));
  readonly signedIn = computed(() => this.accessToken() !== null);
  /** Shown once on the login page: why the user is there. */
  readonly notice = signal<string | null>(null);

  constructor() {
    this.sync.listen((message) => this.hear(message));
  }

  access(): string | null {
    return this.accessToken();
  }

  login(username: string, password: string): Observable<void> {
    return this.http.post<Schemas['TokenPair']>('/api/token', { username, password }).pipe(
      catchError((error: unknown) => throwError(() => apiErrorFrom(error))),
      map((pair) => {
        localStorage.setItem('tc2.username', username);
        this.username.set(username);
        this.notice.set(null);
        this.accept(pair);
        this.sync.publish({ kind: 'token', access: pair.access, username });
      }),
    );
  }

  /** At start-up: resume the session of a stored refresh token. Never fails. */
  restore(): Promise<boolean> {
    if (!localStorage.getItem(REFRESH_STORAGE_KEY)) {
      return Promise.resolve(false);
    }
    return firstValueFrom(
      this.refresh().pipe(
        map(() => true),
        catchError(() => of(false)),
      ),
    );
  }

  /**
   * A new access token. Concurrent callers share one request, and the tabs of the browser take
   * turns (the refresh token is single use): a tab whose turn comes after another tab refreshed
   * uses the token that tab published.
   */
  refresh(): Observable<string> {
    if (this.inFlight) {
      return this.inFlight;
    }
    const seen = this.accessToken();
    this.inFlight = this.sync.exclusive(() => this.refreshOnce(seen)).pipe(
      finalize(() => (this.inFlight = null)),
      shareReplay(1),
    );
    return this.inFlight;
  }

  private refreshOnce(seen: string | null): Observable<string> {
    const current = this.accessToken();
    if (current !== null && current !== seen && !expiresSoon(current)) {
      return of(current);
    }
    const refresh = localStorage.getItem(REFRESH_STORAGE_KEY);
    if (!refresh) {
      return throwError(() => apiErrorFrom(new Error('Not signed in.')));
    }
    return this.http.post<Schemas['TokenPair']>('/api/token/refresh', { refresh }).pipe(
      tap({
        next: (pair) => {
          this.accept(pair);
          this.sync.publish({ kind: 'token', access: pair.access, username: this.username() });
        },
        error: (error: unknown) => {
          // Only a refusal ends the session; a server that is down may come back.
          if (apiErrorFrom(error).status === 401) {
            this.end(SESSION_ENDED_MESSAGE);
          }
        },
      }),
      map((pair) => pair.access),
      catchError((error: unknown) => throwError(() => apiErrorFrom(error))),
    );
  }

  /** Sign out: the server revokes the refresh token (best effort), the browser forgets both. */
  logout(): void {
    const refresh = localStorage.getItem(REFRESH_STORAGE_KEY);
    const access = this.accessToken();
    if (refresh && access) {
      this.http
        .post('/api/token/revoke', { refresh }, { headers: { Authorization: `Bearer ${access}` } })
        .subscribe({ error: () => undefined });
    }
    this.end('You are signed out.');
  }

  /** End the session in every tab and show the login page with ``message``. */
  end(message: string): void {
    this.sync.publish({ kind: 'ended', message });
    this.endHere(message);
  }

  private endHere(message: string): void {
    clearTimeout(this.refreshTimer);
    localStorage.removeItem(REFRESH_STORAGE_KEY);
    const wasSignedIn = this.accessToken() !== null;
    this.accessToken.set(null);
    this.notice.set(message);
    if (wasSignedIn || !this.router.url.startsWith('/login')) {
      void this.router.navigate(['/login']);
    }
  }

  /** What another tab of this browser did: refreshed or signed in, or ended the session. */
  private hear(message: SessionMessage): void {
    if (message.kind === 'ended') {
      if (this.accessToken() !== null || localStorage.getItem(REFRESH_STORAGE_KEY) !== null) {
        this.endHere(message.message);
      }
      return;
    }
    const wasSignedIn = this.accessToken() !== null;
    this.accessToken.set(message.access);
    this.schedule(message.access);
    if (!wasSignedIn) {
      this.username.set(message.username);
      this.notice.set(null);
      if (this.router.url.startsWith('/login')) {
        void this.router.navigateByUrl('/runtime/console');
      }
    }
  }

  private accept(pair: Schemas['TokenPair']): void {
    localStorage.setItem(REFRESH_STORAGE_KEY, pair.refresh);
    this.accessToken.set(pair.access);
    this.schedule(pair.access);
  }

  private schedule(access: string): void {
    clearTimeout(this.refreshTimer);
    const exp = tokenClaims(access).exp;
    if (!exp) {
      return;
    }
    const due = Math.max(exp * 1000 - Date.now() - REFRESH_AHEAD_MS, 5_000);
    this.refreshTimer = setTimeout(() => this.refresh().subscribe({ error: () => undefined }), due);
  }
}
