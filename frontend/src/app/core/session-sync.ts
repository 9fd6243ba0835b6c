/**
 * What the tabs of one browser share about the session. They share one refresh token (in
 * localStorage) and the server rotates it on each use, so two tabs refreshing at once used to
 * race (200, 200, 401: everyone signed out). Here one tab refreshes at a time (Web Locks) and
 * tells the others the outcome (BroadcastChannel): a new access token, or the end of the session.
 *
 * Web Locks exist only in secure contexts (https, or http on localhost); elsewhere the refresh
 * runs at once and the server's grace window (TC2_REFRESH_GRACE_S) absorbs the race.
 */
import { Injectable, OnDestroy } from '@angular/core';
import { Observable } from 'rxjs';

export const SESSION_LOCK_NAME = 'tc2.session.refresh';
export const SESSION_CHANNEL_NAME = 'tc2.session';

export type SessionMessage =
  | { kind: 'token'; access: string; username: string | null }
  | { kind: 'ended'; message: string };

@Injectable({ providedIn: 'root' })
export class SessionSync implements OnDestroy {
  private readonly channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(SESSION_CHANNEL_NAME);

  /** Run ``work`` while no other tab of this browser runs one (at once without Web Locks). */
  exclusive<T>(work: () => Observable<T>): Observable<T> {
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
    if (!locks) {
      return work();
    }
    return new Observable<T>((subscriber) => {
      void locks
        .request(
          SESSION_LOCK_NAME,
          () =>
            new Promise<void>((release) => {
              work().subscribe({
                next: (value) => subscriber.next(value),
                error: (error: unknown) => {
                  release();
                  subscriber.error(error);
                },
                complete: () => {
                  release();
                  subscriber.complete();
                },
              });
            }),
        )
        .catch((error: unknown) => subscriber.error(error));
    });
  }

  /** Tell the other tabs (not this one). */
  publish(message: SessionMessage): void {
    this.channel?.postMessage(message);
  }

  /** Hear what the other tabs publish. */
  listen(handler: (message: SessionMessage) => void): void {
    if (this.channel) {
      this.channel.onmessage = (event: MessageEvent<SessionMessage>) => handler(event.data);
    }
  }

  ngOnDestroy(): void {
    this.channel?.close();
  }
}
