import type { ApiKeysFeature } from '../api-keys.feature.js';
import { ApiKeyEvents } from '../events/api-key-events.js';
import { EventPublisherHook } from '../events/event-publisher.hook.js';
import { ApiKeyChanges } from './api-key-changes.js';

/** The change pipeline, and the events it publishes after each commit. @internal */
export const changesFeature: ApiKeysFeature = {
  name: 'changes',
  providers: [ApiKeyChanges, ApiKeyEvents, EventPublisherHook],
  changeHooks: [EventPublisherHook],
  options: ['onEvent'],
};
