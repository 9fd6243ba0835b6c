import { DecimalPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, effect, inject } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';

import { AuthService } from './core/auth.service';
import { CurrentUser } from './core/current-user';
import { JobsService } from './core/jobs.service';

interface NavGroup {
  title: string;
  links: { path: string; label: string }[];
}

/** The shell: navigation by the seed's three areas, the jobs indicator, the user and logout. */
@Component({
  selector: 'tc2-root',
  imports: [RouterOutlet, RouterLink, RouterLinkActive, DecimalPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './app.html',
})
export class App {
  protected readonly auth = inject(AuthService);
  protected readonly jobs = inject(JobsService);
  protected readonly user = inject(CurrentUser);
  protected readonly nav: NavGroup[] = [
    {
      title: 'Runtime Control',
      links: [
        { path: '/runtime/console', label: 'Console' },
        { path: '/runtime/program', label: 'Program' },
        { path: '/runtime/data', label: 'Data' },
        { path: '/runtime/settings', label: 'Settings' },
      ],
    },
    {
      title: 'Trading',
      links: [{ path: '/trading', label: 'Trading' }],
    },
    {
      title: 'Strategy Control',
      links: [
        { path: '/strategy/strategies', label: 'Strategies' },
        { path: '/strategy/simulations', label: 'Simulations' },
        { path: '/strategy/evaluations', label: 'Evaluations' },
      ],
    },
    {
      title: 'System Checks',
      links: [
        { path: '/checks/health', label: 'Health checks' },
        { path: '/checks/visuals', label: 'Visuals' },
      ],
    },
  ];

  constructor() {
    effect(() => {
      if (this.auth.signedIn()) {
        this.jobs.start();
        this.user.load();
      } else {
        this.user.clear();
      }
    });
  }
}
