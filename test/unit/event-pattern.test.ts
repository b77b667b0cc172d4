import { describe, expect, it } from 'vitest';
import {
  compilePattern,
  InvalidEventPatternError,
  matchesPattern,
  WILDCARD_COMPLEXITY_LIMIT,
  wildcardComplexity,
} from '../../infra/local/event-pattern.ts';

/** A full EventBridge envelope (the EC2 state-change example from the user guide) with overrides. */
function event(
  overrides: Record<string, unknown> = {},
  detail: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '111122223333',
    time: '2017-12-22T18:43:48Z',
    region: 'us-west-1',
    resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
    detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated', ...detail },
    ...overrides,
  };
}

/** Shorthand: pattern on `detail` only, event with the given detail fields. */
function detailMatches(detailPattern: Record<string, unknown>, detail: Record<string, unknown>): boolean {
  return matchesPattern({ detail: detailPattern }, { source: 'custom', detail });
}

/** The reason EventBridge would give for rejecting the pattern (fails the test if it is accepted). */
function rejection(pattern: unknown): string {
  try {
    compilePattern(pattern);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventPatternError);
    return (error as InvalidEventPatternError).message;
  }
  throw new Error(`pattern was accepted: ${JSON.stringify(pattern)}`);
}

describe('event-pattern', () => {
  describe('pattern structure', () => {
    it('matches the EC2 instance-termination example from the user guide', () => {
      const pattern = {
        source: ['aws.ec2'],
        'detail-type': ['EC2 Instance State-change Notification'],
        detail: { state: ['terminated'] },
      };
      expect(matchesPattern(pattern, event())).toBe(true);
      expect(matchesPattern(pattern, event({}, { state: 'running' }))).toBe(false);
    });

    it('requires every field in the pattern to match (AND)', () => {
      const pattern = { source: ['aws.ec2'], detail: { state: ['running'] } };
      expect(matchesPattern(pattern, event({}, { state: 'running' }))).toBe(true);
      expect(matchesPattern(pattern, event({ source: 'aws.s3' }, { state: 'running' }))).toBe(false);
    });

    it('matches when any value in a pattern array matches (OR)', () => {
      const pattern = { source: ['aws.ec2', 'aws.fargate'] };
      expect(matchesPattern(pattern, event({ source: 'aws.fargate' }))).toBe(true);
      expect(matchesPattern(pattern, event({ source: 'aws.s3' }))).toBe(false);
    });

    it('ignores event fields that the pattern does not name', () => {
      expect(matchesPattern({ region: ['us-west-1'] }, event({ extra: { deep: [1, 2, 3] } }))).toBe(true);
    });

    it('requires a named field to be present', () => {
      expect(matchesPattern({ detail: { 'c-count': [5] } }, event())).toBe(false);
    });

    it('descends through nested objects', () => {
      const pattern = { detail: { bucket: { name: ['my-bucket'] }, object: { key: ['a.png'] } } };
      expect(detailMatches(pattern.detail, { bucket: { name: 'my-bucket' }, object: { key: 'a.png' } })).toBe(
        true,
      );
      expect(detailMatches(pattern.detail, { bucket: { name: 'other' }, object: { key: 'a.png' } })).toBe(
        false,
      );
      expect(detailMatches(pattern.detail, { bucket: 'my-bucket', object: { key: 'a.png' } })).toBe(false);
    });

    // Behaviour changed (issue 21): AWS joins keys with dots, so a dotted key is a nested path.
    it('joins keys with dots: the two patterns and two events of the guide all match (guide example)', () => {
      const nested = { detail: { state: { status: ['running'] } } };
      const dotted = { detail: { 'state.status': ['running'] } };
      for (const pattern of [nested, dotted]) {
        expect(matchesPattern(pattern, { detail: { state: { status: 'running' } } })).toBe(true);
        expect(matchesPattern(pattern, { detail: { 'state.status': 'running' } })).toBe(true);
        expect(matchesPattern(pattern, { detail: { state: { status: 'stopped' } } })).toBe(false);
        expect(matchesPattern(pattern, { detail: { 'state.status': 'stopped' } })).toBe(false);
      }
    });

    it('treats a dotted key and its nested form as one field: the later one wins', () => {
      const pattern = '{"detail": {"state.status": ["running"], "state": {"status": ["stopped"]}}}';
      expect(matchesPattern(pattern, { detail: { state: { status: 'stopped' } } })).toBe(true);
      expect(matchesPattern(pattern, { detail: { state: { status: 'running' } } })).toBe(false);
    });

    it('reads both values when an event holds a path dotted and nested', () => {
      const event = { detail: { 'state.status': 'running', state: { status: 'stopped', code: 16 } } };
      expect(detailMatches({ state: { status: ['running'] } }, event.detail)).toBe(true);
      expect(detailMatches({ state: { status: ['stopped'], code: [16] } }, event.detail)).toBe(true);
      expect(detailMatches({ state: { status: ['pending'] } }, event.detail)).toBe(false);
      expect(detailMatches({ 'state.code': [{ exists: true }] }, event.detail)).toBe(true);
    });

    it('accepts the pattern as JSON text', () => {
      const compiled = compilePattern('{"source": ["aws.ec2"], "detail": {"state": ["terminated"]}}');
      expect(compiled.matches(event())).toBe(true);
      expect(compiled.matches(event({ source: 'aws.s3' }))).toBe(false);
    });

    it('uses the last of repeated keys, as the guide documents', () => {
      const pattern =
        '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}';
      expect(matchesPattern(pattern, { detail: { location: 'eu-west' } })).toBe(true);
      expect(matchesPattern(pattern, { detail: { location: 'us-east' } })).toBe(false);
    });

    it('matches events given as JSON text and never matches non-objects', () => {
      const compiled = compilePattern({ detail: { missing: [{ exists: false }] } });
      expect(compiled.matches(JSON.stringify(event()))).toBe(true);
      expect(compiled.matches('not json')).toBe(false);
      expect(compiled.matches('[]')).toBe(false);
      expect(compiled.matches(null)).toBe(false);
      expect(compiled.matches([event()])).toBe(false);
    });

    it('is unaffected by later changes to the pattern object it was compiled from', () => {
      const pattern = { source: ['aws.ec2'] };
      const compiled = compilePattern(pattern);
      pattern.source[0] = 'aws.s3';
      expect(compiled.matches(event())).toBe(true);
    });

    it('reports errors as InvalidEventPatternException with the AWS message prefix', () => {
      let caught: unknown;
      try {
        compilePattern({ source: 'aws.ec2' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidEventPatternError);
      expect(caught).toBeInstanceOf(Error);
      expect(caught).toMatchObject({
        code: 'InvalidEventPatternException',
        name: 'InvalidEventPatternError',
        reason: '"source" must be an object or an array',
        message: 'Event pattern is not valid. Reason: "source" must be an object or an array',
      });
    });

    it('rejects a leaf that is not an array', () => {
      expect(rejection({ source: 'x' })).toContain('"source" must be an object or an array');
      expect(rejection({ detail: { count: 42 } })).toContain('"count" must be an object or an array');
      expect(rejection({ detail: { flag: true } })).toContain('"flag" must be an object or an array');
      expect(rejection({ detail: { nothing: null } })).toContain('"nothing" must be an object or an array');
    });

    it('rejects a pattern that is not an object', () => {
      expect(rejection(['aws.ec2'])).toContain('Filter is not an object');
      expect(rejection(null)).toContain('Filter is not an object');
      expect(rejection(42)).toContain('Filter is not an object');
      expect(rejection(undefined)).toContain('Filter is not an object');
      expect(rejection('["not", "an", "object"]')).toContain('Filter is not an object');
      expect(rejection('"text"')).toContain('Filter is not an object');
    });

    it('rejects JSON text that does not parse', () => {
      expect(rejection("{'bad': 'quotation'}")).toMatch(/^Event pattern is not valid\. Reason: /);
      expect(rejection('{"source": ["a"]')).toMatch(/^Event pattern is not valid\. Reason: /);
    });

    it('rejects empty objects at any level', () => {
      expect(rejection({})).toContain('Empty objects are not allowed');
      expect(rejection({ detail: {} })).toContain('Empty objects are not allowed');
    });

    it('rejects an empty pattern array', () => {
      expect(rejection({ resources: [] })).toContain('Empty arrays are not allowed');
    });

    it('rejects nested arrays and non-JSON values inside a pattern array', () => {
      expect(rejection({ source: [['aws.ec2']] })).toContain(
        'Match value must be String, number, true, false, or null',
      );
      expect(rejection({ source: [undefined] })).toContain('Match value must be');
      expect(rejection({ count: [Number.NaN] })).toContain('Match value must be');
    });
  });

  describe('exact values', () => {
    it('matches strings exactly and case-sensitively', () => {
      expect(detailMatches({ state: ['running'] }, { state: 'running' })).toBe(true);
      expect(detailMatches({ state: ['running'] }, { state: 'Running' })).toBe(false);
      expect(detailMatches({ state: ['running'] }, { state: 'running ' })).toBe(false);
    });

    it('matches numbers by value, so 300 matches 300.0', () => {
      const compiled = compilePattern('{"detail": {"price": [300]}}');
      expect(compiled.matches(JSON.parse('{"detail": {"price": 300.0}}'))).toBe(true);
      expect(compiled.matches(JSON.parse('{"detail": {"price": 3.0e2}}'))).toBe(true);
      expect(compiled.matches(JSON.parse('{"detail": {"price": 300.5}}'))).toBe(false);
    });

    it('does not match a number against its string form, or the reverse', () => {
      expect(detailMatches({ price: [100] }, { price: '100' })).toBe(false);
      expect(detailMatches({ price: ['100'] }, { price: 100 })).toBe(false);
    });

    it('matches numbers beyond the numeric-operator range exactly, like account ids', () => {
      expect(matchesPattern({ detail: { acct: [123456789012] } }, { detail: { acct: 123456789012 } })).toBe(
        true,
      );
      expect(matchesPattern({ detail: { acct: [123456789012] } }, { detail: { acct: 123456789013 } })).toBe(
        false,
      );
    });

    it('matches booleans only against booleans', () => {
      expect(detailMatches({ enabled: [true] }, { enabled: true })).toBe(true);
      expect(detailMatches({ enabled: [true] }, { enabled: false })).toBe(false);
      expect(detailMatches({ enabled: [true] }, { enabled: 'true' })).toBe(false);
      expect(detailMatches({ enabled: [false] }, { enabled: false })).toBe(true);
    });

    it('matches null against a null value but not against a missing field (guide example)', () => {
      const pattern = { detail: { responseElements: [null] } };
      expect(matchesPattern(pattern, { detail: { eventVersion: '', responseElements: null } })).toBe(true);
      expect(matchesPattern(pattern, { detail: { eventVersion: '' } })).toBe(false);
      expect(matchesPattern(pattern, { detail: { responseElements: 'null' } })).toBe(false);
    });

    it('matches an empty string only against an empty string, not null (guide example)', () => {
      const pattern = { detail: { eventVersion: [''] } };
      expect(matchesPattern(pattern, { detail: { eventVersion: '', responseElements: null } })).toBe(true);
      expect(matchesPattern(pattern, { detail: { eventVersion: null } })).toBe(false);
      expect(matchesPattern(pattern, { detail: {} })).toBe(false);
      expect(
        matchesPattern({ detail: { responseElements: [''] } }, { detail: { responseElements: null } }),
      ).toBe(false);
    });

    it('does not match a value against an object', () => {
      expect(detailMatches({ state: ['running'] }, { state: { name: 'running' } })).toBe(false);
    });
  });

  describe('arrays in events', () => {
    it('matches when the pattern array and the event array intersect (guide example)', () => {
      const pattern = {
        resources: [
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
          'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
          'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
        ],
      };
      const resources = [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ];
      expect(matchesPattern(pattern, event({ resources }))).toBe(true);
      expect(matchesPattern(pattern, event({ resources: [resources[0]] }))).toBe(false);
    });

    it('does not match an empty event array, not even with null', () => {
      expect(matchesPattern({ resources: [null] }, event({ resources: [] }))).toBe(false);
      expect(matchesPattern({ resources: ['a'] }, event({ resources: [] }))).toBe(false);
    });

    it('looks into nested arrays', () => {
      expect(detailMatches({ tags: ['b'] }, { tags: [['a'], ['b', 'c']] })).toBe(true);
      expect(detailMatches({ tags: ['d'] }, { tags: [['a'], ['b', 'c']] })).toBe(false);
    });

    it('applies operators to each element of an event array', () => {
      expect(detailMatches({ files: [{ suffix: '.png' }] }, { files: ['a.txt', 'b.png'] })).toBe(true);
      expect(detailMatches({ files: [{ suffix: '.png' }] }, { files: ['a.txt', 'b.gif'] })).toBe(false);
      expect(detailMatches({ sizes: [{ numeric: ['>', 10] }] }, { sizes: [1, 2, 30] })).toBe(true);
      expect(detailMatches({ sizes: [{ numeric: ['>', 10] }] }, { sizes: [1, 2, 3] })).toBe(false);
    });

    it('descends into arrays of objects (event-ruler README example)', () => {
      const employees = [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ];
      expect(matchesPattern({ employees: { firstName: ['Anna'] } }, { employees })).toBe(true);
      expect(matchesPattern({ employees: { firstName: ['Maria'] } }, { employees })).toBe(false);
      expect(
        matchesPattern(
          { employees: { firstName: ['Peter'] } },
          { employees: [[employees[0]], [employees[2]]] },
        ),
      ).toBe(true);
    });

    it('requires the fields of one nested pattern object to match within the same array element', () => {
      const employees = [
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ];
      expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, { employees })).toBe(
        true,
      );
      expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, { employees })).toBe(
        false,
      );
    });
  });

  describe('prefix', () => {
    it('matches the "time" prefix example from the guide', () => {
      const pattern = { time: [{ prefix: '2017-10-02' }] };
      expect(matchesPattern(pattern, event({ time: '2017-10-02T18:43:48Z' }))).toBe(true);
      expect(matchesPattern(pattern, event({ time: '2017-10-03T18:43:48Z' }))).toBe(false);
    });

    it('is case-sensitive and only applies to strings', () => {
      expect(matchesPattern({ region: [{ prefix: 'eu-' }] }, event({ region: 'EU-west-1' }))).toBe(false);
      expect(detailMatches({ code: [{ prefix: '12' }] }, { code: 123 })).toBe(false);
      expect(detailMatches({ code: [{ prefix: '12' }] }, { code: '123' })).toBe(true);
    });

    it('matches any casing with equals-ignore-case (guide example)', () => {
      const pattern = { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] };
      expect(detailMatches(pattern, { service: 'EventBridge' })).toBe(true);
      expect(detailMatches(pattern, { service: 'eventbridge' })).toBe(true);
      expect(detailMatches(pattern, { service: 'EVENTBUS' })).toBe(true);
      expect(detailMatches(pattern, { service: 'SQS' })).toBe(false);
    });

    it('rejects a prefix that is not a string', () => {
      expect(rejection({ time: [{ prefix: 5 }] })).toContain('prefix match pattern must be a string');
      expect(rejection({ time: [{ prefix: ['2022-07-13'] }] })).toContain(
        'prefix match pattern must be a string',
      );
      expect(rejection({ time: [{ prefix: null }] })).toContain('prefix match pattern must be a string');
    });

    it('rejects nested prefix objects other than equals-ignore-case', () => {
      expect(rejection({ s: [{ prefix: { 'anything-but': 'x' } }] })).toContain(
        'Unsupported prefix pattern: anything-but',
      );
      expect(rejection({ s: [{ prefix: { 'equals-ignore-case': 3 } }] })).toContain(
        'equals-ignore-case match pattern must be a string',
      );
      expect(rejection({ s: [{ prefix: {} }] })).toContain('Prefix expression name not found');
    });
  });

  describe('suffix', () => {
    it('matches the FileName ".png" example from the guide', () => {
      const pattern = { FileName: [{ suffix: '.png' }] };
      expect(matchesPattern(pattern, { FileName: 'photo.png' })).toBe(true);
      expect(matchesPattern(pattern, { FileName: 'photo.PNG' })).toBe(false);
      expect(matchesPattern(pattern, { FileName: 'photo.png.txt' })).toBe(false);
    });

    it('matches any casing with equals-ignore-case (guide example)', () => {
      const pattern = { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] };
      expect(detailMatches(pattern, { FileName: 'photo.PNG' })).toBe(true);
      expect(detailMatches(pattern, { FileName: 'photo.Png' })).toBe(true);
      expect(detailMatches(pattern, { FileName: 'photo.jpg' })).toBe(false);
    });

    it('only applies to strings', () => {
      expect(detailMatches({ n: [{ suffix: '5' }] }, { n: 5 })).toBe(false);
    });

    it('rejects a suffix that is not a string', () => {
      expect(rejection({ FileName: [{ suffix: 123 }] })).toContain('suffix match pattern must be a string');
      expect(rejection({ FileName: [{ suffix: ['.png'] }] })).toContain(
        'suffix match pattern must be a string',
      );
      expect(rejection({ FileName: [{ suffix: { wildcard: '*.png' } }] })).toContain(
        'Unsupported suffix pattern: wildcard',
      );
    });
  });

  describe('equals-ignore-case', () => {
    it('matches "Name" regardless of case (guide example)', () => {
      const pattern = { Name: [{ 'equals-ignore-case': 'alice' }] };
      expect(matchesPattern(pattern, { Name: 'Alice' })).toBe(true);
      expect(matchesPattern(pattern, { Name: 'ALICE' })).toBe(true);
      expect(matchesPattern(pattern, { Name: 'Alicia' })).toBe(false);
    });

    it('matches an empty string only against an empty string', () => {
      expect(detailMatches({ v: [{ 'equals-ignore-case': '' }] }, { v: '' })).toBe(true);
      expect(detailMatches({ v: [{ 'equals-ignore-case': '' }] }, { v: 'x' })).toBe(false);
    });

    it('rejects anything but a single string', () => {
      expect(
        rejection({ 'detail-type': [{ 'equals-ignore-case': ['ec2 instance state-change notification'] }] }),
      ).toContain('equals-ignore-case match pattern must be a string');
      expect(rejection({ 'detail-type': [{ 'equals-ignore-case': { prefix: 'ec2' } }] })).toContain(
        'equals-ignore-case match pattern must be a string',
      );
      expect(rejection({ n: [{ 'equals-ignore-case': 5 }] })).toContain(
        'equals-ignore-case match pattern must be a string',
      );
    });
  });

  describe('wildcard', () => {
    it('matches the S3 object-created "dir/*.png" example', () => {
      const pattern = { source: ['aws.s3'], detail: { object: { key: [{ wildcard: 'dir/*.png' }] } } };
      const s3 = (key: string) => ({
        source: 'aws.s3',
        'detail-type': 'Object Created',
        detail: { object: { key } },
      });
      expect(matchesPattern(pattern, s3('dir/photo.png'))).toBe(true);
      expect(matchesPattern(pattern, s3('dir/sub/photo.png'))).toBe(true);
      expect(matchesPattern(pattern, s3('dir/.png'))).toBe(true);
      expect(matchesPattern(pattern, s3('other/photo.png'))).toBe(false);
      expect(matchesPattern(pattern, s3('dir/photo.jpg'))).toBe(false);
    });

    it('supports several wildcards in one value', () => {
      const pattern = { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] };
      expect(
        matchesPattern(pattern, { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/orders' }),
      ).toBe(true);
      expect(
        matchesPattern(pattern, { EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/orders' }),
      ).toBe(false);
    });

    it('treats every other character literally, including regex metacharacters', () => {
      const pattern = { v: [{ wildcard: 'a.b(c)+*' }] };
      expect(detailMatches(pattern, { v: 'a.b(c)+tail' })).toBe(true);
      expect(detailMatches(pattern, { v: 'axb(c)+tail' })).toBe(false);
      expect(detailMatches(pattern, { v: 'a.b(cc)tail' })).toBe(false);
    });

    it('matches the whole value, across line breaks', () => {
      expect(detailMatches({ v: [{ wildcard: 'a*z' }] }, { v: 'a\nb\nz' })).toBe(true);
      expect(detailMatches({ v: [{ wildcard: 'a*z' }] }, { v: 'xa-z' })).toBe(false);
      expect(detailMatches({ v: [{ wildcard: 'a*z' }] }, { v: 'a-zx' })).toBe(false);
    });

    it('treats \\* as a literal asterisk and \\\\ as a literal backslash', () => {
      expect(detailMatches({ v: [{ wildcard: 'price\\*2' }] }, { v: 'price*2' })).toBe(true);
      expect(detailMatches({ v: [{ wildcard: 'price\\*2' }] }, { v: 'price-x-2' })).toBe(false);
      expect(detailMatches({ v: [{ wildcard: 'C:\\\\*' }] }, { v: 'C:\\Windows' })).toBe(true);
      expect(detailMatches({ v: [{ wildcard: '\\**' }] }, { v: '*anything' })).toBe(true);
      expect(detailMatches({ v: [{ wildcard: '\\**' }] }, { v: 'anything' })).toBe(false);
    });

    it('without a wildcard character behaves as an exact match', () => {
      expect(detailMatches({ v: [{ wildcard: 'exact' }] }, { v: 'exact' })).toBe(true);
      expect(detailMatches({ v: [{ wildcard: 'exact' }] }, { v: 'exactly' })).toBe(false);
    });

    it('only applies to strings', () => {
      expect(detailMatches({ v: [{ wildcard: '1*' }] }, { v: 123 })).toBe(false);
    });

    it("accepts the guide's wildcard examples, alone and together (complexity within the limit)", () => {
      expect(wildcardComplexity(['*.png'])).toBeLessThanOrEqual(WILDCARD_COMPLEXITY_LIMIT);
      expect(wildcardComplexity(['*/lib/*'])).toBeLessThanOrEqual(WILDCARD_COMPLEXITY_LIMIT);
      expect(() =>
        compilePattern({
          FileName: [{ wildcard: '*.png' }],
          FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }],
          EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }],
        }),
      ).not.toThrow();
    });

    it('refuses a field whose wildcard values are too complex, as AWS does', () => {
      // Refused by AWS in the field; each half of it was accepted, as were four plain extensions.
      const key = (...wildcards: string[]) => ({
        source: ['aws.s3'],
        detail: { object: { key: wildcards.map((wildcard) => ({ wildcard })) } },
      });
      const ext = ['bif', 'tif', 'tiff', 'svs'];
      expect(rejection(key(...ext.map((e) => `*/datasync/*.${e}`)))).toContain(
        'Reason: Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
      );
      expect(() => compilePattern(key('*/datasync/*.bif', '*/datasync/*.tif'))).not.toThrow();
      expect(() => compilePattern(key('*/datasync/*.tiff', '*/datasync/*.svs'))).not.toThrow();
      expect(() => compilePattern(key(...ext.map((e) => `*.${e}`)))).not.toThrow();
      // The count is per field: the same four values spread over two fields are fine.
      expect(() =>
        compilePattern({
          detail: {
            a: ext.slice(0, 2).map((e) => ({ wildcard: `*/datasync/*.${e}` })),
            b: ext.slice(2).map((e) => ({ wildcard: `*/datasync/*.${e}` })),
          },
        }),
      ).not.toThrow();
      // Alternatives of `$or` on the same field count together, as one machine holds them.
      expect(
        rejection({
          $or: ext.map((e) => ({ detail: { key: [{ wildcard: `*/datasync/*.${e}` }] } })),
        }),
      ).toContain('Rule is too complex');
    });

    it('rejects consecutive wildcard characters', () => {
      expect(rejection({ EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:**:event-bus/*' }] })).toContain(
        'Consecutive wildcard characters at pos 25',
      );
    });

    it('rejects a backslash that escapes anything but * or \\', () => {
      expect(rejection({ v: [{ wildcard: 'a\\b' }] })).toContain('Invalid escape character at pos 1');
      expect(rejection({ v: [{ wildcard: 'trailing\\' }] })).toContain('Invalid escape character at pos 8');
    });

    it('rejects a wildcard that is not a single string', () => {
      expect(rejection({ EventBusArn: [{ wildcard: 123 }] })).toContain(
        'wildcard match pattern must be a string',
      );
      expect(rejection({ EventBusArn: [{ wildcard: ['a*'] }] })).toContain(
        'wildcard match pattern must be a string',
      );
    });
  });

  describe('anything-but', () => {
    it('excludes a single string (guide example)', () => {
      const pattern = { state: [{ 'anything-but': 'initializing' }] };
      expect(detailMatches(pattern, { state: 'running' })).toBe(true);
      expect(detailMatches(pattern, { state: 'initializing' })).toBe(false);
    });

    it('excludes a single number (guide example)', () => {
      const pattern = { 'x-limit': [{ 'anything-but': 123 }] };
      expect(detailMatches(pattern, { 'x-limit': 124 })).toBe(true);
      expect(detailMatches(pattern, { 'x-limit': 123 })).toBe(false);
      expect(matchesPattern({ detail: pattern }, JSON.parse('{"detail": {"x-limit": 123.0}}'))).toBe(false);
    });

    it('excludes a list of strings (guide example)', () => {
      const pattern = { state: [{ 'anything-but': ['stopped', 'overloaded'] }] };
      expect(detailMatches(pattern, { state: 'running' })).toBe(true);
      expect(detailMatches(pattern, { state: 'stopped' })).toBe(false);
      expect(detailMatches(pattern, { state: 'overloaded' })).toBe(false);
    });

    it('excludes a list of numbers (guide example)', () => {
      const pattern = { 'x-limit': [{ 'anything-but': [100, 200, 300] }] };
      expect(detailMatches(pattern, { 'x-limit': 301.8 })).toBe(true);
      expect(detailMatches(pattern, { 'x-limit': 200 })).toBe(false);
    });

    it('does not match a missing field', () => {
      expect(detailMatches({ state: [{ 'anything-but': 'initializing' }] }, {})).toBe(false);
      expect(detailMatches({ state: [{ 'anything-but': { prefix: 'init' } }] }, {})).toBe(false);
    });

    it('matches a field whose value is null', () => {
      expect(detailMatches({ state: [{ 'anything-but': 'initializing' }] }, { state: null })).toBe(true);
      expect(detailMatches({ state: [{ 'anything-but': ['a', 'b'] }] }, { state: null })).toBe(true);
    });

    it('only excludes values of the same type', () => {
      expect(detailMatches({ v: [{ 'anything-but': ['100'] }] }, { v: 100 })).toBe(true);
      expect(detailMatches({ v: [{ 'anything-but': [100] }] }, { v: '100' })).toBe(true);
      expect(detailMatches({ v: [{ 'anything-but': 'true' }] }, { v: true })).toBe(true);
    });

    it('excludes a prefix (guide example)', () => {
      const pattern = { state: [{ 'anything-but': { prefix: 'init' } }] };
      expect(detailMatches(pattern, { state: 'running' })).toBe(true);
      expect(detailMatches(pattern, { state: 'post-init' })).toBe(true);
      expect(detailMatches(pattern, { state: 'initializing' })).toBe(false);
      expect(detailMatches(pattern, { state: 12 })).toBe(true);
    });

    it('excludes a list of prefixes', () => {
      const pattern = { state: [{ 'anything-but': { prefix: ['init', 'test'] } }] };
      expect(detailMatches(pattern, { state: 'post-init' })).toBe(true);
      expect(detailMatches(pattern, { state: 'testing' })).toBe(false);
    });

    it('excludes the AWS sources: {"anything-but": {"prefix": "aws."}} (guide example)', () => {
      const pattern = { source: [{ 'anything-but': { prefix: 'aws.' } }] };
      expect(matchesPattern(pattern, event({ source: 'com.mycompany.orders' }))).toBe(true);
      expect(matchesPattern(pattern, event())).toBe(false);
    });

    it('excludes a suffix, or a list of suffixes (guide example)', () => {
      expect(
        detailMatches({ FileName: [{ 'anything-but': { suffix: '.png' } }] }, { FileName: 'a.txt' }),
      ).toBe(true);
      expect(
        detailMatches({ FileName: [{ 'anything-but': { suffix: '.png' } }] }, { FileName: 'a.png' }),
      ).toBe(false);
      const list = { FileName: [{ 'anything-but': { suffix: ['.txt', '.rtf'] } }] };
      expect(detailMatches(list, { FileName: 'document.rtf' })).toBe(false);
      expect(detailMatches(list, { FileName: 'document.pdf' })).toBe(true);
    });

    it('excludes a value in any casing with equals-ignore-case (guide example)', () => {
      const pattern = { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] };
      expect(detailMatches(pattern, { state: 'INITIALIZING' })).toBe(false);
      expect(detailMatches(pattern, { state: 'running' })).toBe(true);
      const list = { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] };
      expect(detailMatches(list, { state: 'Stopped' })).toBe(false);
      expect(detailMatches(list, { state: 'running' })).toBe(true);
    });

    it('excludes wildcard matches (guide example)', () => {
      const pattern = { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] };
      expect(detailMatches(pattern, { FilePath: '/usr/lib/tool' })).toBe(false);
      expect(detailMatches(pattern, { FilePath: '/usr/share/tool' })).toBe(true);
      const list = { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] };
      expect(detailMatches(list, { FilePath: '/usr/bin/tool' })).toBe(false);
      expect(detailMatches(list, { FilePath: '/etc/tool' })).toBe(true);
    });

    it('with an event array, matches when some element is not excluded', () => {
      const pattern = { state: [{ 'anything-but': 'stopped' }] };
      expect(detailMatches(pattern, { state: ['stopped', 'running'] })).toBe(true);
      expect(detailMatches(pattern, { state: ['stopped'] })).toBe(false);
      expect(detailMatches(pattern, { state: ['stopped', 'stopped'] })).toBe(false);
      expect(detailMatches(pattern, { state: [] })).toBe(false);
    });

    it('rejects lists that mix strings and numbers, or are empty', () => {
      const mixed =
        'Inside anything but list, either all values are number or string, mixed type is not supported';
      expect(rejection({ v: [{ 'anything-but': ['a', 1] }] })).toContain(mixed);
      expect(rejection({ v: [{ 'anything-but': [] }] })).toContain(mixed);
    });

    it('rejects booleans, null and nested matchers inside the list', () => {
      const message = 'Inside anything but list, start|null|boolean is not supported.';
      expect(rejection({ v: [{ 'anything-but': [true] }] })).toContain(message);
      expect(rejection({ v: [{ 'anything-but': [null] }] })).toContain(message);
      expect(rejection({ v: [{ 'anything-but': [{ prefix: 'abc-' }, { prefix: 'xyz-' }] }] })).toContain(
        message,
      );
    });

    it('rejects a single value that is not a string, number, list or matcher object', () => {
      const message = 'Value of anything-but must be an array or single string/number value.';
      expect(rejection({ v: [{ 'anything-but': true }] })).toContain(message);
      expect(rejection({ v: [{ 'anything-but': null }] })).toContain(message);
      expect(rejection({ v: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'file' } } }] })).toContain(
        message,
      );
    });

    it('rejects unsupported or multiple nested matchers', () => {
      expect(rejection({ v: [{ 'anything-but': { numeric: ['>', 1] } }] })).toContain(
        'Unsupported anything-but pattern: numeric',
      );
      expect(rejection({ v: [{ 'anything-but': {} }] })).toContain('Anything-But expression name not found');
      expect(rejection({ v: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] })).toContain(
        'Only one key allowed',
      );
    });

    it('rejects non-string operands of the nested matchers', () => {
      expect(rejection({ v: [{ 'anything-but': { prefix: 123 } }] })).toContain(
        'prefix/suffix match pattern must be a string',
      );
      expect(rejection({ v: [{ 'anything-but': { suffix: [123, '.txt'] } }] })).toContain(
        'prefix/suffix match pattern must be a string',
      );
      expect(rejection({ v: [{ 'anything-but': { 'equals-ignore-case': 123 } }] })).toContain(
        'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
      );
      expect(rejection({ v: [{ 'anything-but': { wildcard: [123, '*/dir/*'] } }] })).toContain(
        'wildcard match pattern must be a string',
      );
    });

    it('rejects an empty prefix or suffix and an invalid wildcard', () => {
      expect(rejection({ v: [{ 'anything-but': { prefix: '' } }] })).toContain(
        'Null prefix/suffix not allowed',
      );
      expect(rejection({ v: [{ 'anything-but': { suffix: ['x', ''] } }] })).toContain(
        'Null prefix/suffix not allowed',
      );
      expect(rejection({ v: [{ 'anything-but': { wildcard: 'a**' } }] })).toContain(
        'Consecutive wildcard characters',
      );
    });

    it('rejects numbers outside the comparable range', () => {
      expect(rejection({ v: [{ 'anything-but': 5e10 }] })).toContain(
        'Value must be between -5.0E9 and 5.0E9, inclusive',
      );
      expect(rejection({ v: [{ 'anything-but': [1, 0.1234567] }] })).toContain(
        'Only values upto 6 decimals are supported',
      );
    });
  });

  describe('numeric', () => {
    it('matches the c-count / d-count / x-limit example from the guide', () => {
      const pattern = {
        detail: {
          'c-count': [{ numeric: ['>', 0, '<=', 5] }],
          'd-count': [{ numeric: ['<', 10] }],
          'x-limit': [{ numeric: ['=', 3.018e2] }],
        },
      };
      expect(matchesPattern(pattern, { detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 } })).toBe(
        true,
      );
      expect(matchesPattern(pattern, { detail: { 'c-count': 0, 'd-count': 3, 'x-limit': 301.8 } })).toBe(
        false,
      );
      expect(matchesPattern(pattern, { detail: { 'c-count': 5, 'd-count': 10, 'x-limit': 301.8 } })).toBe(
        false,
      );
      expect(matchesPattern(pattern, { detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.9 } })).toBe(
        false,
      );
    });

    it('respects open and closed bounds', () => {
      const range = (op1: string, op2: string, value: number) =>
        detailMatches({ n: [{ numeric: [op1, 10, op2, 20] }] }, { n: value });
      expect(range('>', '<', 10)).toBe(false);
      expect(range('>=', '<', 10)).toBe(true);
      expect(range('>', '<', 20)).toBe(false);
      expect(range('>', '<=', 20)).toBe(true);
      expect(range('>', '<', 15.5)).toBe(true);
      expect(range('>', '<', 9.999999)).toBe(false);
    });

    it('supports single-sided comparisons', () => {
      expect(detailMatches({ n: [{ numeric: ['>=', -5] }] }, { n: -5 })).toBe(true);
      expect(detailMatches({ n: [{ numeric: ['>=', -5] }] }, { n: -5.5 })).toBe(false);
      expect(detailMatches({ n: [{ numeric: ['<=', 0] }] }, { n: 0 })).toBe(true);
      expect(detailMatches({ n: [{ numeric: ['<=', 0] }] }, { n: 0.000001 })).toBe(false);
    });

    it('compares by value, so "=" 300 matches 300.0', () => {
      const compiled = compilePattern('{"detail": {"price": [{"numeric": ["=", 300]}]}}');
      expect(compiled.matches(JSON.parse('{"detail": {"price": 300.0}}'))).toBe(true);
      expect(compiled.matches(JSON.parse('{"detail": {"price": 300.000001}}'))).toBe(false);
    });

    it('only matches JSON numbers', () => {
      const pattern = { n: [{ numeric: ['>', 0] }] };
      expect(detailMatches(pattern, { n: '5' })).toBe(false);
      expect(detailMatches(pattern, { n: null })).toBe(false);
      expect(detailMatches(pattern, { n: true })).toBe(false);
      expect(detailMatches(pattern, {})).toBe(false);
    });

    it('does not match event numbers beyond ±5e9', () => {
      expect(detailMatches({ n: [{ numeric: ['>', 0] }] }, { n: 5e9 })).toBe(true);
      expect(detailMatches({ n: [{ numeric: ['>', 0] }] }, { n: 5e9 + 1 })).toBe(false);
      expect(detailMatches({ n: [{ numeric: ['<', 0] }] }, { n: -6e9 })).toBe(false);
    });

    it('rejects two lower bounds, or bounds in the wrong order', () => {
      expect(rejection({ n: [{ numeric: ['>', 0, '>', 0] }] })).toContain('Bad numeric range operator: >');
      expect(rejection({ n: [{ numeric: ['<', 10, '>', 0] }] })).toContain(
        'Too many elements in numeric expression',
      );
      expect(rejection({ n: [{ numeric: ['=', 1, '<', 2] }] })).toContain(
        'Too many elements in numeric expression',
      );
    });

    it('rejects an unknown operator', () => {
      expect(rejection({ n: [{ numeric: ['!=', 5] }] })).toContain('Unrecognized numeric range operator: !=');
      expect(rejection({ n: [{ numeric: ['==', 5] }] })).toContain('Unrecognized numeric range operator: ==');
    });

    it('rejects operands that are not numbers, or missing', () => {
      expect(rejection({ n: [{ numeric: ['>', 'a'] }] })).toContain('Value of > must be numeric');
      expect(rejection({ n: [{ numeric: ['>', 0, '<'] }] })).toContain('Value of < must be numeric');
      expect(rejection({ n: [{ numeric: ['=', '5'] }] })).toContain('Value of = must be numeric');
      expect(rejection({ n: [{ numeric: [5, '>'] }] })).toContain('Invalid member in numeric match: 5');
      expect(rejection({ n: [{ numeric: ['>', 0, 5] }] })).toContain('Bad value in numeric range: 5');
    });

    it('rejects an empty range and too many terms', () => {
      expect(rejection({ n: [{ numeric: ['>', 5, '<', 5] }] })).toContain('Bottom must be less than top');
      expect(rejection({ n: [{ numeric: ['>=', 5, '<=', 1] }] })).toContain('Bottom must be less than top');
      expect(rejection({ n: [{ numeric: ['>', 0, '<', 5, '<', 6] }] })).toContain(
        'Too many terms in numeric range expression',
      );
    });

    it('rejects operands beyond ±5e9 or with more than 6 decimal places', () => {
      expect(rejection({ n: [{ numeric: ['>', 5e9 + 1] }] })).toContain(
        'Value must be between -5.0E9 and 5.0E9, inclusive',
      );
      expect(rejection({ n: [{ numeric: ['<', -1e10] }] })).toContain(
        'Value must be between -5.0E9 and 5.0E9, inclusive',
      );
      expect(rejection({ n: [{ numeric: ['=', 0.1234567] }] })).toContain(
        'Only values upto 6 decimals are supported',
      );
      expect(rejection({ n: [{ numeric: ['=', 1e-7] }] })).toContain(
        'Only values upto 6 decimals are supported',
      );
      expect(() => compilePattern({ n: [{ numeric: ['>=', -5e9, '<=', 5e9] }] })).not.toThrow();
      expect(() => compilePattern({ n: [{ numeric: ['=', 0.123456] }] })).not.toThrow();
    });

    it('rejects a numeric value that is not an array, or is empty', () => {
      expect(rejection({ n: [{ numeric: '>5' }] })).toContain('Value of numeric must be an array.');
      expect(rejection({ n: [{ numeric: [] }] })).toContain('Invalid member in numeric match');
    });
  });

  describe('exists', () => {
    it('matches an event that has the field (guide example)', () => {
      const pattern = { detail: { state: [{ exists: true }] } };
      expect(matchesPattern(pattern, event({}, { state: 'pending' }))).toBe(true);
      expect(matchesPattern(pattern, { detail: { 'c-count': { c1: 100 } } })).toBe(false);
    });

    it('counts null, false, 0 and "" as present', () => {
      for (const value of [null, false, 0, '']) {
        expect(detailMatches({ v: [{ exists: true }] }, { v: value })).toBe(true);
        expect(detailMatches({ v: [{ exists: false }] }, { v: value })).toBe(false);
      }
    });

    it('only sees leaf values: an object or an empty array is not present', () => {
      expect(detailMatches({ v: [{ exists: true }] }, { v: { nested: 1 } })).toBe(false);
      expect(matchesPattern({ resources: [{ exists: true }] }, event({ resources: [] }))).toBe(false);
      expect(matchesPattern({ resources: [{ exists: true }] }, event())).toBe(true);
      expect(matchesPattern({ resources: [{ exists: false }] }, event({ resources: [] }))).toBe(true);
    });

    it('with false, matches an event without the field (guide example)', () => {
      const pattern = { detail: { 'c-count': [{ exists: false }] } };
      expect(
        matchesPattern(pattern, {
          'detail-type': 'EC2 Instance State-change Notification',
          resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
          detail: { state: ['initializing', 'running'] },
        }),
      ).toBe(true);
      expect(matchesPattern(pattern, { detail: { 'c-count': 3 } })).toBe(false);
    });

    it('with false, also matches when the field is an intermediate object (guide example)', () => {
      const pattern = { detail: { 'c-count': [{ exists: false }] } };
      expect(
        matchesPattern(pattern, { detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } } }),
      ).toBe(true);
    });

    it('with false, matches when a parent object is missing altogether', () => {
      expect(matchesPattern({ detail: { a: { b: [{ exists: false }] } } }, { source: 'x' })).toBe(true);
      expect(matchesPattern({ detail: { a: { b: [{ exists: true }] } } }, { source: 'x' })).toBe(false);
    });

    it('in an array of objects, true needs one element with the field and false needs none', () => {
      const automations = [{ key1: 'value1' }, { id: 'match-does-exist' }, { key2: 'value2' }];
      expect(detailMatches({ automations: { id: [{ exists: true }] } }, { automations })).toBe(true);
      expect(detailMatches({ automations: { id: [{ exists: false }] } }, { automations })).toBe(false);
      expect(
        detailMatches({ automations: { id: [{ exists: false }] } }, { automations: [{ key1: 'v' }] }),
      ).toBe(true);
    });

    it('combines with other matchers in the same array as an OR', () => {
      const pattern = {
        dynamodb: { NewImage: { homemade: { S: [{ 'anything-but': ['roses'] }, { exists: false }] } } },
      };
      expect(matchesPattern(pattern, { dynamodb: { NewImage: { purchased: { N: '789' } } } })).toBe(true);
      expect(matchesPattern(pattern, { dynamodb: { NewImage: { homemade: { S: 'tulips' } } } })).toBe(true);
      expect(matchesPattern(pattern, { dynamodb: { NewImage: { homemade: { S: 'roses' } } } })).toBe(false);
    });

    it('rejects anything but true or false', () => {
      const message = 'exists match pattern must be either true or false.';
      expect(rejection({ v: [{ exists: 'yes' }] })).toContain(message);
      expect(rejection({ v: [{ exists: 1 }] })).toContain(message);
      expect(rejection({ v: [{ exists: null }] })).toContain(message);
    });
  });

  describe('cidr', () => {
    it('matches IPv4 addresses inside the block (guide example)', () => {
      const pattern = { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } };
      expect(matchesPattern(pattern, { detail: { 'source-ip': '10.0.0.0' } })).toBe(true);
      expect(matchesPattern(pattern, { detail: { 'source-ip': '10.0.0.33' } })).toBe(true);
      expect(matchesPattern(pattern, { detail: { 'source-ip': '10.0.0.255' } })).toBe(true);
      expect(matchesPattern(pattern, { detail: { 'source-ip': '10.0.1.0' } })).toBe(false);
      expect(matchesPattern(pattern, { detail: { 'source-ip': '9.255.255.255' } })).toBe(false);
    });

    it('masks a base address that is not on a network boundary', () => {
      const pattern = { ip: [{ cidr: '10.0.0.77/24' }] };
      expect(detailMatches(pattern, { ip: '10.0.0.1' })).toBe(true);
      expect(detailMatches(pattern, { ip: '10.0.1.1' })).toBe(false);
    });

    it('handles short and odd prefix lengths', () => {
      expect(detailMatches({ ip: [{ cidr: '0.0.0.0/0' }] }, { ip: '203.0.113.9' })).toBe(true);
      expect(detailMatches({ ip: [{ cidr: '192.168.0.0/23' }] }, { ip: '192.168.1.200' })).toBe(true);
      expect(detailMatches({ ip: [{ cidr: '192.168.0.0/23' }] }, { ip: '192.168.2.1' })).toBe(false);
      expect(detailMatches({ ip: [{ cidr: '10.0.0.0/31' }] }, { ip: '10.0.0.1' })).toBe(true);
      expect(detailMatches({ ip: [{ cidr: '10.0.0.0/31' }] }, { ip: '10.0.0.2' })).toBe(false);
    });

    it('matches IPv6 addresses in compressed or full form', () => {
      const pattern = { sourceIPAddress: [{ cidr: '2001:db8::/64' }] };
      expect(detailMatches(pattern, { sourceIPAddress: '2001:db8::1' })).toBe(true);
      expect(detailMatches(pattern, { sourceIPAddress: '2001:0DB8:0000:0000:ffff:ffff:ffff:ffff' })).toBe(
        true,
      );
      expect(detailMatches(pattern, { sourceIPAddress: '2001:db8:0:1::1' })).toBe(false);
      expect(detailMatches(pattern, { sourceIPAddress: '2001:db9::1' })).toBe(false);
    });

    it('does not mix address families', () => {
      expect(detailMatches({ ip: [{ cidr: '::/1' }] }, { ip: '10.0.0.1' })).toBe(false);
      expect(detailMatches({ ip: [{ cidr: '0.0.0.0/0' }] }, { ip: '::1' })).toBe(false);
    });

    it('does not match values that are not IP address strings', () => {
      const pattern = { ip: [{ cidr: '10.0.0.0/8' }] };
      expect(detailMatches(pattern, { ip: 'example.com' })).toBe(false);
      expect(detailMatches(pattern, { ip: '10.0.0.256' })).toBe(false);
      expect(detailMatches(pattern, { ip: '10.0.0' })).toBe(false);
      expect(detailMatches(pattern, { ip: 167772161 })).toBe(false);
      expect(detailMatches(pattern, {})).toBe(false);
    });

    it('rejects a CIDR without exactly one slash', () => {
      expect(rejection({ ip: [{ cidr: '10.0.0.0' }] })).toContain("Malformed CIDR, one '/' required");
      expect(rejection({ ip: [{ cidr: '10.0.0.0/8/8' }] })).toContain("Malformed CIDR, one '/' required");
    });

    it('rejects a mask that is not a valid integer for the address family', () => {
      expect(rejection({ ip: [{ cidr: '10.0.0.0/abc' }] })).toContain(
        'Malformed CIDR, mask bits must be an integer',
      );
      expect(rejection({ ip: [{ cidr: '10.0.0.0/' }] })).toContain(
        'Malformed CIDR, mask bits must be an integer',
      );
      expect(rejection({ ip: [{ cidr: '10.0.0.0/-1' }] })).toContain(
        'Malformed CIDR, mask bits must not be negative',
      );
      expect(rejection({ ip: [{ cidr: '10.0.0.0/33' }] })).toContain('IPv4 mask bits must be < 32');
      expect(rejection({ ip: [{ cidr: '10.0.0.1/32' }] })).toContain('IPv4 mask bits must be < 32');
      expect(rejection({ ip: [{ cidr: '2001:db8::/128' }] })).toContain('IPv6 mask bits must be < 128');
    });

    it('rejects a base that is not an IP address', () => {
      expect(rejection({ ip: [{ cidr: 'xx.11.xx/24' }] })).toContain('Nonstandard IP address: xx.11.xx');
      expect(rejection({ ip: [{ cidr: '300.0.0.0/8' }] })).toContain('Nonstandard IP address: 300.0.0.0');
      expect(rejection({ ip: [{ cidr: 'xxxx:db8:1234:1a00::/64' }] })).toContain(
        'Nonstandard IP address: xxxx:db8:1234:1a00::',
      );
      expect(rejection({ ip: [{ cidr: '2001::db8::1/64' }] })).toContain('Nonstandard IP address');
    });

    it('rejects a CIDR that is not a string', () => {
      expect(rejection({ ip: [{ cidr: ['10.0.0.0/24'] }] })).toContain('cidr match pattern must be a string');
      expect(rejection({ ip: [{ cidr: 10 }] })).toContain('cidr match pattern must be a string');
    });
  });

  describe('$or', () => {
    it('matches either alternative (guide example)', () => {
      const pattern = { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] };
      expect(matchesPattern(pattern, { Location: 'New York', Day: 'Friday' })).toBe(true);
      expect(matchesPattern(pattern, { Location: 'Paris', Day: 'Monday' })).toBe(true);
      expect(matchesPattern(pattern, { Location: 'Paris', Day: 'Friday' })).toBe(false);
    });

    it('merges each alternative with its sibling fields', () => {
      const pattern = {
        source: ['aws.cloudwatch'],
        $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
      };
      expect(matchesPattern(pattern, { source: 'aws.cloudwatch', metricName: 'ReadLatency' })).toBe(true);
      expect(matchesPattern(pattern, { source: 'aws.cloudwatch', namespace: 'AWS/ES' })).toBe(true);
      expect(matchesPattern(pattern, { source: 'aws.ec2', metricName: 'ReadLatency' })).toBe(false);
      expect(matchesPattern(pattern, { source: 'aws.cloudwatch', metricName: 'DiskIO' })).toBe(false);
    });

    it('supports an AND inside an alternative and $or nested in $or', () => {
      const pattern = {
        source: ['aws.cloudwatch'],
        $or: [
          { metricName: ['CPUUtilization'] },
          {
            metricType: ['MetricType'],
            namespace: ['AWS/EC2'],
            $or: [{ metricId: [1234] }, { spaceId: [1000] }],
          },
          { scope: ['Service'] },
        ],
      };
      const base = { source: 'aws.cloudwatch' };
      expect(matchesPattern(pattern, { ...base, scope: 'Service' })).toBe(true);
      expect(
        matchesPattern(pattern, { ...base, metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1000 }),
      ).toBe(true);
      expect(matchesPattern(pattern, { ...base, metricType: 'MetricType', namespace: 'AWS/EC2' })).toBe(
        false,
      );
      expect(matchesPattern(pattern, { ...base, metricType: 'MetricType', spaceId: 1000 })).toBe(false);
    });

    it('works inside nested objects, in parallel with another $or', () => {
      const pattern = {
        $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
        detail: {
          $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }],
        },
      };
      expect(
        matchesPattern(pattern, {
          namespace: 'AWS/EC2',
          detail: { 'detail-type': 'CloudWatch Alarm State Change' },
        }),
      ).toBe(true);
      expect(matchesPattern(pattern, { namespace: 'AWS/EC2', detail: { 'detail-type': 'Other' } })).toBe(
        false,
      );
      expect(matchesPattern(pattern, { namespace: 'AWS/ES', detail: { source: 'aws.cloudwatch' } })).toBe(
        false,
      );
    });

    it('combines with operators in the alternatives', () => {
      const pattern = {
        detail: {
          $or: [
            { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
            { 'd-count': [{ numeric: ['<', 10] }] },
            { 'x-limit': [{ 'anything-but': [100] }] },
          ],
        },
      };
      expect(detailMatches(pattern.detail, { 'c-count': 3 })).toBe(true);
      expect(detailMatches(pattern.detail, { 'x-limit': 101 })).toBe(true);
      expect(detailMatches(pattern.detail, { 'c-count': 30, 'd-count': 30, 'x-limit': 100 })).toBe(false);
    });

    it('rejects fewer than two alternatives', () => {
      const message = 'There must have at least 2 Objects in $or relationship.';
      expect(rejection({ $or: [{ source: ['a'] }] })).toContain(message);
      expect(rejection({ $or: [] })).toContain(message);
    });

    it('rejects a $or that is not an array of objects', () => {
      expect(rejection({ $or: { source: ['a'] } })).toContain('It must be an Array followed with $or.');
      expect(rejection({ $or: [{ source: ['a'] }, ['b']] })).toContain(
        'Only JSON object is allowed in array of $or relationship.',
      );
      expect(rejection({ $or: [{ source: ['a'] }, 'b'] })).toContain(
        'Only JSON object is allowed in array of $or relationship.',
      );
      expect(rejection({ $or: [{ source: ['a'] }, {}] })).toContain('Empty objects are not allowed');
    });

    it('rejects matcher keywords used as field names inside $or', () => {
      expect(rejection({ $or: [{ numeric: [123] }, { prefix: ['abc'] }] })).toContain(
        'numeric is Ruler reserved fieldName which cannot be used inside $or.',
      );
      expect(rejection({ $or: [{ a: ['1'] }, { b: { exists: [true] } }] })).toContain(
        'exists is Ruler reserved fieldName',
      );
    });

    it('validates the operators inside alternatives', () => {
      expect(rejection({ $or: [{ a: [{ prefix: 1 }] }, { b: ['x'] }] })).toContain(
        'prefix match pattern must be a string',
      );
    });
  });

  describe('operator objects', () => {
    it('rejects an unknown operator, including wrong casing', () => {
      expect(rejection({ v: [{ contains: 'x' }] })).toContain('Unrecognized match type contains');
      expect(rejection({ my_key: [{ EXISTS: true }] })).toContain('Unrecognized match type EXISTS');
      expect(rejection({ v: [{ NUMERIC: ['=', 5] }] })).toContain('Unrecognized match type NUMERIC');
    });

    it('rejects an operator object with more than one key, or none', () => {
      expect(rejection({ v: [{ prefix: 'a', suffix: 'b' }] })).toContain(
        'Only one key allowed in match expression',
      );
      expect(rejection({ v: [{}] })).toContain('Match expression name not found');
    });

    it('mixes operators and plain values in one array as alternatives', () => {
      const pattern = { v: ['exact', { prefix: 'pre-' }, { numeric: ['>', 100] }, null] };
      expect(detailMatches(pattern, { v: 'exact' })).toBe(true);
      expect(detailMatches(pattern, { v: 'pre-fix' })).toBe(true);
      expect(detailMatches(pattern, { v: 101 })).toBe(true);
      expect(detailMatches(pattern, { v: null })).toBe(true);
      expect(detailMatches(pattern, { v: 'other' })).toBe(false);
      expect(detailMatches(pattern, { v: 99 })).toBe(false);
    });
  });

  describe('combinations', () => {
    const pattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    };
    const readme = {
      version: '0',
      id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '012345679012',
      time: '2017-10-02T16:24:49Z',
      region: 'us-east-1',
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
      detail: {
        'c-count': 5,
        'd-count': 3,
        'x-limit': 301.8,
        'source-ip': '10.0.0.33',
        'instance-id': 'i-000000aaaaaa00000',
        state: 'running',
      },
    };

    it('matches the complex example when every condition holds', () => {
      expect(matchesPattern(pattern, readme)).toBe(true);
    });

    it.each([
      ['time', { time: '2017-10-03T16:24:49Z' }, {}],
      ['state', {}, { state: 'initializing' }],
      ['c-count', {}, { 'c-count': 6 }],
      ['d-count', {}, { 'd-count': 10 }],
      ['x-limit', {}, { 'x-limit': 200 }],
      ['source-ip', {}, { 'source-ip': '11.0.0.1' }],
    ])('does not match when only %s fails', (_field, envelope, detail) => {
      expect(
        matchesPattern(pattern, { ...readme, ...envelope, detail: { ...readme.detail, ...detail } }),
      ).toBe(false);
    });

    it('compiles once and matches many events', () => {
      const compiled = compilePattern(pattern);
      const results = Array.from({ length: 50 }, (_, i) =>
        compiled.matches({ ...readme, detail: { ...readme.detail, 'c-count': i % 7 } }),
      );
      expect(results.filter(Boolean)).toHaveLength(
        Array.from({ length: 50 }, (_, i) => i % 7).filter((n) => n > 0 && n <= 5).length,
      );
    });
  });
});
