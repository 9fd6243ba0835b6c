import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Placeholder while the page is being built. */
@Component({
  selector: 'tc2-settings-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<h1>Settings</h1>`,
})
export class SettingsPage {}
