import { DecimalPipe } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  afterRenderEffect,
  computed,
  inject,
  input,
  linkedSignal,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import { Router } from '@angular/router';
import { EMPTY, Observable, catchError, exhaustMap, merge, of, switchMap, tap, timer } from 'rxjs';

import { ApiClient, ApiError, Schemas, apiErrorFrom } from '../../core/api';
import { CurrentUser } from '../../core/current-user';
import { ErrorBox } from '../../shared/error-box';
import { StaffOnly } from '../../shared/staff-only';
import { ConfirmStep } from '../confirm-step';
import {
  LOG_FEEDS,
  LOG_LEVELS,
  LogFeedName,
  LogLevel,
  LogLine,
  asFeed,
  filterLogLines,
  toLogLines,
} from './log-lines';

/** How often the newest file is asked for new lines. */
export const TAIL_POLL_MS = 2_000;
/** Scrolled to within this many pixels of the end counts as "at the end": auto-scroll follows. */
const AT_END_PX = 24;

/**
 * The Console: every log feed, file by file. The newest file is tailed live (only new lines are
 * fetched); auto-scroll follows the end until the user scrolls up, and resumes when they return to
 * the end or ask for it. Older files are read whole. ``?feed=&file=`` make a view linkable.
 */
@Component({
  selector: 'tc2-console-page',
  imports: [DecimalPipe, ErrorBox, StaffOnly, ConfirmStep],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Console</h1>
    <section class="card" aria-label="Log selection">
      <div class="row">
        <div>
          <label for="console-feed">Log feed</label>
          <select id="console-feed" (change)="chooseFeed($any($event.target).value)">
            @for (feed of feeds; track feed.value) {
              <option [value]="feed.value" [selected]="feed.value === selectedFeed()">{{ feed.label }}</option>
            }
          </select>
        </div>
        <div>
          <label for="console-file">File</label>
          <select id="console-file" (change)="chooseFile($any($event.target).value)">
            <option value="" [selected]="live()">Newest{{ newest() ? ' (' + newest() + ')' : '' }} — live</option>
            @for (name of olderFilesNewestFirst(); track name) {
              <option [value]="name" [selected]="name === selectedFile()">{{ name }}</option>
            }
          </select>
        </div>
        <div class="file-steps">
          <button type="button" class="secondary" [disabled]="!previousFile()" (click)="stepFile(-1)">Previous file</button>
          <button type="button" class="secondary" [disabled]="live()" (click)="stepFile(1)">Next file</button>
        </div>
        <div>
          <label for="console-level">Minimum level</label>
          <select id="console-level" (change)="minimumLevel.set($any($event.target).value)">
            @for (level of levels; track level) {
              <option [value]="level" [selected]="level === minimumLevel()">{{ level === 'DEBUG' ? 'All (DEBUG and up)' : level + ' and up' }}</option>
            }
          </select>
        </div>
        <div>
          <label for="console-filter">Filter lines</label>
          <input id="console-filter" type="search" placeholder="text to find" [value]="filterText()"
                 (input)="filterText.set($any($event.target).value)" />
        </div>
      </div>
    </section>

    <tc2-error-box [error]="error()" />

    <section class="card" aria-label="Log lines">
      <div class="status-line">
        @if (live()) {
          <span class="badge live-badge" title="New lines appear as they are written">Live</span>
        } @else {
          <span class="badge">Older file</span>
        }
        <span class="mono">{{ shownFile() ?? 'no log file yet' }}</span>
        <span class="muted">
          {{ lines().length | number }} lines{{ visibleLines().length !== lines().length ? ', ' + (visibleLines().length | number) + ' shown' : '' }}
        </span>
        <span class="spacer"></span>
        <input id="console-follow" type="checkbox" [checked]="follow()" (change)="setFollow($any($event.target).checked)" />
        <label for="console-follow" class="inline">Auto-scroll to the newest line</label>
        @if (!live()) {
          <button type="button" (click)="chooseFile('')">Back to live</button>
        }
      </div>
      @if (!follow() && unseen() > 0) {
        <button type="button" class="jump" (click)="setFollow(true)">
          {{ unseen() | number }} new {{ unseen() === 1 ? 'line' : 'lines' }} — jump to newest
        </button>
      }
      <div #viewport class="log-view mono" role="log" aria-live="off" tabindex="0"
           [attr.aria-label]="feedLabel() + ' log lines'" (scroll)="onScroll()">
        @for (line of visibleLines(); track line.number) {
          <div class="line" [class]="line.level ? 'log-' + line.level : ''"><span class="n" aria-hidden="true">{{ line.number }}</span><span class="text">{{ line.text }}</span></div>
        } @empty {
          <p class="muted empty">{{ loading() ? 'Loading…' : lines().length ? 'No line matches the filter.' : 'This log is empty.' }}</p>
        }
      </div>
    </section>

    <section class="card" aria-label="Clear logs">
      <h2>Clear logs</h2>
      <p class="muted">Deletes every log file of every feed. Processes keep logging into new files.</p>
      <tc2-staff-only action="clear the logs" />
      <tc2-confirm-step label="Clear all logs" question="Delete every log file of every feed? This cannot be undone."
                        confirmLabel="Delete all log files" [danger]="true" [disabled]="clearing() || !user.isStaff()"
                        (confirmed)="clearLogs()" />
      @if (cleared()) {
        <p role="status">All log files were deleted.</p>
      }
    </section>
  `,
  styles: `
    .file-steps { display: flex; gap: 0.5rem; }
    .status-line { display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; margin-bottom: 0.5rem; }
    .status-line .spacer { flex: 1; }
    label.inline { display: inline; margin: 0; color: var(--text); }
    .live-badge { background: var(--good); color: #000; }
    .log-view { height: 60vh; min-height: 16rem; overflow: auto; background: var(--bg); border: 1px solid var(--line);
      border-radius: 4px; padding: 0.5rem 0; font-size: 0.85rem; line-height: 1.35; }
    .line { display: flex; padding: 0 0.75rem 0 0; }
    .text { flex: 1; min-width: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
    .line:hover { background: var(--panel); }
    .n { flex: none; min-width: 3.5rem; padding-right: 0.75rem; text-align: right; color: var(--muted);
      user-select: none; opacity: 0.6; }
    .empty { padding: 0 0.75rem; }
    .jump { margin-bottom: 0.5rem; }
  `,
})
export class ConsolePage {
  private readonly api = inject(ApiClient);
  protected readonly user = inject(CurrentUser);
  private readonly router = inject(Router);

  /** ``?feed=`` (default program) and ``?file=`` (YYYY-MM-DD_n; none: the newest, live). */
  readonly feed = input('');
  readonly file = input('');

  protected readonly feeds = LOG_FEEDS;
  protected readonly levels = LOG_LEVELS;
  protected readonly selectedFeed = linkedSignal<LogFeedName>(() => asFeed(this.feed()));
  /** The file shown; null follows the newest file live. */
  protected readonly selectedFile = linkedSignal<string | null>(() => this.file() || null);
  protected readonly filenames = signal<string[]>([]);
  protected readonly lines = signal<LogLine[]>([]);
  protected readonly shownFile = signal<string | null>(null);
  protected readonly minimumLevel = signal<LogLevel>('DEBUG');
  protected readonly filterText = signal('');
  /** Auto-scroll: on while the view is at its end. */
  protected readonly follow = signal(true);
  /** Lines that arrived while auto-scroll was paused. */
  protected readonly unseen = signal(0);
  protected readonly loading = signal(true);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly clearing = signal(false);
  protected readonly cleared = signal(false);
  /** Bumped to read the current view again from the start (after clearing the logs). */
  private readonly reloads = signal(0);

  protected readonly live = computed(() => this.selectedFile() === null);
  protected readonly newest = computed(() => this.filenames().at(-1) ?? null);
  protected readonly olderFilesNewestFirst = computed(() => this.filenames().slice(0, -1).reverse());
  protected readonly feedLabel = computed(
    () => LOG_FEEDS.find((feed) => feed.value === this.selectedFeed())?.label ?? this.selectedFeed(),
  );
  protected readonly visibleLines = computed(() =>
    filterLogLines(this.lines(), this.minimumLevel(), this.filterText()),
  );
  protected readonly previousFile = computed(() => this.neighbour(-1));

  private readonly viewport = viewChild.required<ElementRef<HTMLElement>>('viewport');

  constructor() {
    const view = computed(() => ({ feed: this.selectedFeed(), file: this.selectedFile(), reload: this.reloads() }));
    toObservable(view)
      .pipe(
        switchMap(({ feed, file }) => {
          this.lines.set([]);
          this.shownFile.set(null);
          this.loading.set(true);
          this.error.set(null);
          this.unseen.set(0);
          this.follow.set(true);
          return merge(this.loadFilenames(feed), file === null ? this.tail(feed) : this.readFile(feed, file));
        }),
        takeUntilDestroyed(),
      )
      .subscribe();

    // After new lines are on screen, keep the end in view while following.
    afterRenderEffect(() => {
      this.visibleLines();
      if (this.follow()) {
        untracked(() => this.scrollToEnd());
      }
    });
  }

  protected chooseFeed(name: string): void {
    this.selectedFeed.set(asFeed(name));
    this.selectedFile.set(null);
    this.syncUrl();
  }

  protected chooseFile(name: string): void {
    this.selectedFile.set(name === '' || name === this.newest() ? null : name);
    this.syncUrl();
  }

  /** -1: the file before (older), +1: the one after (newer; after the last older one: live). */
  protected stepFile(step: -1 | 1): void {
    const target = this.neighbour(step);
    if (target !== undefined) {
      this.chooseFile(target);
    }
  }

  protected setFollow(on: boolean): void {
    this.follow.set(on);
    if (on) {
      this.unseen.set(0);
      this.scrollToEnd();
    }
  }

  protected onScroll(): void {
    const element = this.viewport().nativeElement;
    const atEnd = element.scrollHeight - element.scrollTop - element.clientHeight <= AT_END_PX;
    if (atEnd !== this.follow()) {
      this.follow.set(atEnd);
      if (atEnd) {
        this.unseen.set(0);
      }
    }
  }

  protected clearLogs(): void {
    this.clearing.set(true);
    this.cleared.set(false);
    this.error.set(null);
    this.api.delete('/api/logs').subscribe({
      next: () => {
        this.clearing.set(false);
        this.cleared.set(true);
        this.selectedFile.set(null);
        this.syncUrl();
        this.reloads.update((n) => n + 1);
      },
      error: (failure: unknown) => {
        this.clearing.set(false);
        this.error.set(apiErrorFrom(failure));
      },
    });
  }

  /** The file ``step`` away from the one shown, '' for the live newest, undefined for none. */
  private neighbour(step: -1 | 1): string | undefined {
    const names = this.filenames();
    const current = this.selectedFile();
    const index = current === null ? names.length - 1 : names.indexOf(current);
    if (index < 0) {
      return step === 1 ? '' : names.at(-1);
    }
    const target = names[index + step];
    if (target === undefined) {
      return undefined;
    }
    return index + step === names.length - 1 ? '' : target;
  }

  private syncUrl(): void {
    void this.router.navigate([], {
      queryParams: { feed: this.selectedFeed(), file: this.selectedFile() },
      queryParamsHandling: 'merge',
      replaceUrl: true,
    });
  }

  private loadFilenames(feed: LogFeedName): Observable<unknown> {
    return this.api.get('/api/logs/{feed}_filenames', { path: { feed } }).pipe(
      tap((answer) => this.filenames.set(answer.filenames)),
      catchError((failure: unknown) => this.fail(failure)),
    );
  }

  /** Poll the newest file for the lines after the last one seen; start over when it rolls over. */
  private tail(feed: LogFeedName): Observable<unknown> {
    let since = 0;
    let filename: string | null | undefined;
    const fetch = (from: number) => this.api.get('/api/logs/{feed}', { path: { feed }, query: { since: from } });
    return timer(0, TAIL_POLL_MS).pipe(
      exhaustMap(() =>
        fetch(since).pipe(
          // A new file (rollover, or logs cleared) or a shorter one: read it from its start.
          switchMap((answer) =>
            since > 0 && (answer.filename !== filename || answer.total_lines < since) ? fetch(0) : of(answer),
          ),
          tap((answer) => {
            if (filename !== undefined && answer.filename !== filename) {
              this.loadFilenames(feed).subscribe();
            }
            filename = answer.filename;
            since = answer.total_lines;
            this.show(answer);
          }),
          catchError((failure: unknown) => this.fail(failure)),
        ),
      ),
    );
  }

  private readFile(feed: LogFeedName, name: string): Observable<unknown> {
    return this.api.get('/api/logs/file/', { query: { filename: `${feed}/${name}` } }).pipe(
      tap((answer) => {
        this.lines.set(toLogLines(answer.lines, 0));
        this.shownFile.set(answer.filename);
        this.loading.set(false);
      }),
      catchError((failure: unknown) => this.fail(failure)),
    );
  }

  private show(answer: Schemas['LogFeedTailOutput']): void {
    const fresh = toLogLines(answer.lines, answer.since);
    if (answer.since === 0) {
      this.lines.set(fresh);
    } else if (fresh.length) {
      this.lines.update((lines) => [...lines, ...fresh]);
    }
    if (!this.follow() && answer.since > 0) {
      this.unseen.update((n) => n + fresh.length);
    }
    this.shownFile.set(answer.filename);
    this.loading.set(false);
    this.error.set(null);
  }

  private fail(failure: unknown): Observable<never> {
    this.loading.set(false);
    this.error.set(apiErrorFrom(failure));
    return EMPTY;
  }

  private scrollToEnd(): void {
    const element = this.viewport().nativeElement;
    element.scrollTop = element.scrollHeight;
  }
}
