import { Routes } from '@angular/router';

import { signedInGuard } from './core/auth.guard';

/** Every page but the login is behind the guard; feature pages load lazily. */
export const routes: Routes = [
  { path: 'login', title: 'Sign in · TC2', loadComponent: () => import('./login/login.page').then((m) => m.LoginPage) },
  {
    path: '',
    canActivateChild: [signedInGuard],
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'runtime/console' },
      {
        path: 'runtime/console',
        title: 'Console · TC2',
        loadComponent: () => import('./runtime/console/console.page').then((m) => m.ConsolePage),
      },
      {
        path: 'runtime/program',
        title: 'Program · TC2',
        loadComponent: () => import('./runtime/program/program.page').then((m) => m.ProgramPage),
      },
      {
        path: 'runtime/data',
        title: 'Data · TC2',
        loadComponent: () => import('./runtime/data/data.page').then((m) => m.DataPage),
      },
      {
        path: 'runtime/settings',
        title: 'Settings · TC2',
        loadComponent: () => import('./runtime/settings/settings.page').then((m) => m.SettingsPage),
      },
      {
        path: 'strategy/strategies',
        title: 'Strategies · TC2',
        loadComponent: () => import('./strategy/strategies/strategies.page').then((m) => m.StrategiesPage),
      },
      {
        path: 'strategy/simulations',
        title: 'Simulations · TC2',
        loadComponent: () => import('./strategy/simulations/simulations.page').then((m) => m.SimulationsPage),
      },
      {
        path: 'strategy/evaluations',
        title: 'Evaluations · TC2',
        loadComponent: () => import('./strategy/evaluations/evaluations.page').then((m) => m.EvaluationsPage),
      },
      {
        path: 'checks/health',
        title: 'Health checks · TC2',
        loadComponent: () => import('./checks/health/health.page').then((m) => m.HealthPage),
      },
      {
        path: 'checks/visuals',
        title: 'Visuals · TC2',
        loadComponent: () => import('./checks/visuals/visuals.page').then((m) => m.VisualsPage),
      },
      {
        path: 'trading',
        title: 'Trading · TC2',
        loadComponent: () => import('./trading/trading.page').then((m) => m.TradingPage),
      },
      { path: 'jobs', title: 'Jobs · TC2', loadComponent: () => import('./jobs/jobs.page').then((m) => m.JobsPage) },
      { path: 'jobs/:jobId', title: 'Job · TC2', loadComponent: () => import('./jobs/jobs.page').then((m) => m.JobsPage) },
      { path: '**', title: 'Not found · TC2', loadComponent: () => import('./not-found.page').then((m) => m.NotFoundPage) },
    ],
  },
];
