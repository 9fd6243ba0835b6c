/** What the page specs do to a rendered page, as a person would. */
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

/** TestBed as the app runs (zoneless), HTTP answered by hand, a router without routes; returns the HTTP controller. */
export function setUpPageTesting(): HttpTestingController {
  TestBed.configureTestingModule({
    providers: [provideZonelessChangeDetection(), provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
  });
  return TestBed.inject(HttpTestingController);
}

/** The button with this visible text or accessible name; throws when there is none. */
export function buttonNamed(root: ParentNode, name: string): HTMLButtonElement {
  const found = [...root.querySelectorAll('button')].find(
    (b) => b.textContent?.trim() === name || b.getAttribute('aria-label') === name,
  );
  if (!found) {
    throw new Error(`no button named ${name}`);
  }
  return found;
}

/** Type ``value`` into an input (it replaces what was there). */
export function typeInto(input: HTMLInputElement | null, value: string): void {
  if (!input) {
    throw new Error('no input to type into');
  }
  input.value = value;
  input.dispatchEvent(new Event('input'));
}

/** The texts of the field messages shown under ``root``. */
export function fieldErrorTexts(root: ParentNode): string[] {
  return [...root.querySelectorAll('.field-error')].map((p) => p.textContent?.trim() ?? '');
}
