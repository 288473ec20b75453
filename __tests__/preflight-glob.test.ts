/**
 * globMatch, the IAM wildcard match of the preflight and the guardrails: its answers are
 * remembered per (case flag, pattern, value), so asking again, or asking a question whose
 * strings concatenate to the same text, must give each question its own answer.
 */
import { ACCOUNT, globMatch } from '../lib/preflight/symbolic';

describe('globMatch', () => {
  test('wildcards, case folding and the account token', () => {
    expect(globMatch('ecr:Get*', 'ecr:GetAuthorizationToken')).toBe('yes');
    expect(globMatch('ecr:get*', 'ECR:GetAuthorizationToken', true)).toBe('yes');
    expect(globMatch('ecr:get*', 'ECR:GetAuthorizationToken')).toBe('no');
    expect(globMatch('arn:aws:logs:*:123456789012:*', `arn:aws:logs:ap-northeast-2:${ACCOUNT}:log-group:x`)).toBe('maybe');
    expect(globMatch('arn:aws:logs:?', 'arn:aws:logs:ab')).toBe('no');
  });

  test('a question asked again, or with other flags, gets its own answer', () => {
    for (let i = 0; i < 2; i++) {
      expect(globMatch('S3:GetObject', 's3:getobject', false)).toBe('no');
      expect(globMatch('S3:GetObject', 's3:getobject', true)).toBe('yes');
    }
  });

  test('pattern and value that concatenate to the same text are different questions', () => {
    expect(globMatch('ab', 'c')).toBe('no');
    expect(globMatch('a', 'bc')).toBe('no');
    expect(globMatch('a*', 'abc')).toBe('yes');
    expect(globMatch('a', '*abc')).toBe('no');
  });
});
