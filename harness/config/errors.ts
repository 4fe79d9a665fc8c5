/** A configuration error: thrown before anything starts; the CLI maps it to exit code 64. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(context: string, problems: string[]) {
    super(`${context}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
