import { describe, expect, it } from 'vitest';
import { codecommitGitCredential, gitTimestamp, regionFromGitHost } from './git-password.ts';

describe('CodeCommit git password (SigV4, method GIT)', () => {
  it('matches the reference test vector', () => {
    const cred = codecommitGitCredential({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      region: 'us-east-1',
      host: 'git-codecommit.us-east-1.amazonaws.com',
      path: '/v1/repos/MyRepo',
      now: new Date('2024-01-02T03:04:05Z'),
    });
    expect(cred).toEqual({
      username: 'AKIDEXAMPLE',
      password: '20240102T030405Z752dfed6ac6749490a1a847f87796e712323e1724bc95f634ca6b7077f3c9feb',
    });
  });

  it('ignores the port and adds the session token to the user name', () => {
    const base = {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      region: 'us-east-1',
      path: 'v1/repos/MyRepo',
      now: new Date('2024-01-02T03:04:05Z'),
    };
    const withPort = codecommitGitCredential({ ...base, host: 'git-codecommit.us-east-1.amazonaws.com:443' });
    expect(withPort.password).toBe(
      '20240102T030405Z752dfed6ac6749490a1a847f87796e712323e1724bc95f634ca6b7077f3c9feb',
    );
    const withToken = codecommitGitCredential({ ...base, host: 'x', sessionToken: 'TOKEN' });
    expect(withToken.username).toBe('AKIDEXAMPLE%TOKEN');
  });

  it('formats timestamps and finds regions in git host names', () => {
    expect(gitTimestamp(new Date('2024-12-31T23:59:58.123Z'))).toBe('20241231T235958');
    expect(regionFromGitHost('git-codecommit.eu-west-1.amazonaws.com')).toBe('eu-west-1');
    expect(regionFromGitHost('git-codecommit-fips.us-gov-west-1.amazonaws.com')).toBe('us-gov-west-1');
    expect(regionFromGitHost('git-codecommit.cn-north-1.amazonaws.com.cn')).toBe('cn-north-1');
    expect(regionFromGitHost('127.0.0.1:4000')).toBeUndefined();
  });
});
