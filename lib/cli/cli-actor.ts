/** The actor the CLI names on every change it makes (audit trail, events). @internal */
export const CLI_ACTOR = 'cli';
