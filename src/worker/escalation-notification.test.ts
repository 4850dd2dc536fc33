import { describe, expect, it } from 'vitest';
import { appPath, escalationNotification, notificationTarget } from './escalation-notification';
import { isRelayPath } from './relay-paths';

const RELAY_PAYLOAD = {
  title: 'Level 1 escalation on 4W',
  body: 'Open Wardline to see it and acknowledge.',
  url: '/tasks/push-k',
  tag: 'alert-1',
};

describe('[W9] a push becomes an escalation notification', () => {
  it('shows the relay’s title and body, keeps the task path, and insists until someone acts', () => {
    const { title, options } = escalationNotification(JSON.stringify(RELAY_PAYLOAD), 1_000);
    expect(title).toBe('Level 1 escalation on 4W');
    expect(options.body).toBe('Open Wardline to see it and acknowledge.');
    expect(options.tag).toBe('alert-1');
    expect(options.data).toEqual({ url: '/tasks/push-k' });
    expect(options.requireInteraction).toBe(true);
    expect(options.renotify).toBe(true);
    expect(options.vibrate.length).toBeGreaterThan(1);
    expect(options.timestamp).toBe(1_000);
  });

  it('shows only the four fields it knows: anything else in a payload never reaches the screen', () => {
    const leaky = { ...RELAY_PAYLOAD, patient: { name: 'Marigold Fennwright', mrn: 'TEST-778899' } };
    const shown = JSON.stringify(escalationNotification(JSON.stringify(leaky)));
    expect(shown).not.toMatch(/Marigold|Fennwright|TEST-778899/);
  });

  it.each([
    ['no payload', null],
    ['not JSON', 'level 1!'],
    ['an array', '[1,2]'],
    ['wrong types', JSON.stringify({ title: 7, body: {}, url: 5, tag: false })],
    ['blank strings', JSON.stringify({ title: '  ', body: '', url: '', tag: ' ' })],
    ['an absurdly long title', JSON.stringify({ ...RELAY_PAYLOAD, title: 'x'.repeat(500) })],
  ])('falls back to a generic notification for %s, still shown (userVisibleOnly)', (_case, text) => {
    const { title, options } = escalationNotification(text);
    expect(title.length).toBeGreaterThan(0);
    expect(options.body.length).toBeGreaterThan(0);
    expect(options.tag.length).toBeGreaterThan(0);
    expect(options.data.url.startsWith('/')).toBe(true);
  });
});

describe('[W10] a tap goes to a path inside the app, never elsewhere', () => {
  it.each([
    ['/tasks/push-k', '/tasks/push-k'],
    ['/tasks/a%2Fb?x=1#y', '/tasks/a%2Fb?x=1#y'],
    ['/', '/'],
  ])('keeps %s', (url, expected) => expect(appPath(url)).toBe(expected));

  it.each([
    'https://evil.example/tasks/1',
    '//evil.example/tasks/1',
    '/\\evil.example',
    'javascript:alert(1)',
    'tasks/1',
    '/api/me',
    '/hubs/worklist',
    '/dev/token',
  ])('refuses %s', (url) => expect(appPath(url)).toBeNull());

  it('reads the stored target back, falling back to the app’s front page', () => {
    expect(notificationTarget({ url: '/tasks/t-1' })).toBe('/tasks/t-1');
    expect(notificationTarget({ url: 'https://evil.example/' })).toBe('/');
    expect(notificationTarget(null)).toBe('/');
  });
});

describe('[W3] the relay’s paths are never the worker’s business', () => {
  it.each([
    '/api/me',
    '/api/push/key',
    '/api?x',
    '/hubs/worklist/negotiate?negotiateVersion=1',
    '/dev/token',
    '/metrics',
    '/config.json',
    '/healthz',
    '/readyz',
  ])('%s is the relay’s', (path) => expect(isRelayPath(path)).toBe(true));

  it.each(['/', '/tasks/abc', '/unit-queue', '/apiary', '/hubsy', '/config.jsonx', '/developer'])(
    '%s is an app route',
    (path) => expect(isRelayPath(path)).toBe(false),
  );
});
