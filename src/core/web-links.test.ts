import { describe, expect, it } from 'vitest';
import { codecommitConsoleUrl, githubRepoUrl, githubWebRoot } from './web-links.ts';

describe('web links', () => {
  it("finds GitHub's web root from the REST base URL", () => {
    expect(githubWebRoot('https://api.github.com')).toBe('https://github.com');
    expect(githubWebRoot('https://api.github.com/')).toBe('https://github.com');
    expect(githubWebRoot('https://ghe.example.com/api/v3')).toBe('https://ghe.example.com');
    expect(githubWebRoot('http://127.0.0.1:4010/api/v3/')).toBe('http://127.0.0.1:4010');
    expect(githubWebRoot('https://api.octo.ghe.com')).toBe('https://octo.ghe.com');
    expect(githubWebRoot('https://proxy.example.com/github')).toBeUndefined();
    expect(githubWebRoot('not a url')).toBeUndefined();
  });

  it('links a repository on GitHub and in the CodeCommit console', () => {
    expect(githubRepoUrl('https://github.com', 'acme/web.site')).toBe('https://github.com/acme/web.site');
    expect(githubRepoUrl(undefined, 'acme/web')).toBeUndefined();
    expect(codecommitConsoleUrl('eu-west-1', 'acme-web')).toBe(
      'https://eu-west-1.console.aws.amazon.com/codesuite/codecommit/repositories/acme-web/browse?region=eu-west-1',
    );
    expect(codecommitConsoleUrl(undefined, 'acme-web')).toBeUndefined();
  });
});
