import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

@Component({
  selector: 'tc2-not-found-page',
  imports: [RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<h1>Page not found</h1>
    <p>There is no such page in the panel. <a routerLink="/runtime/console">Go to the Console</a>.</p>`,
})
export class NotFoundPage {}
