import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  architectureDiagram,
  BEGIN_MARKER,
  END_MARKER,
  readmeBlock,
  withArchitecture,
} from '../../infra/scripts/diagram.ts';
import { functions, routeKey, routes, rules, schedules, shardedJobs, tables } from '../../infra/topology.ts';

const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

describe('infra/scripts/diagram.ts', () => {
  describe('README.md', () => {
    it('holds the diagram generated from the topology (npm run diagram -- --write updates it)', () => {
      expect(readme.split(BEGIN_MARKER)).toHaveLength(2);
      expect(readme.split(END_MARKER)).toHaveLength(2);
      expect(withArchitecture(readme, readmeBlock())).toBe(readme);
    });
  });

  describe('architectureDiagram', () => {
    const diagram = architectureDiagram();

    it('is a Mermaid flowchart with one node per function, table, rule, queued rule queue and DLQ, and schedule', () => {
      expect(diagram.split('\n')[0]).toBe('flowchart LR');
      const nodeLines = (prefix: string) =>
        diagram.split('\n').filter((l) => new RegExp(`^\\s+${prefix}_\\w+[[({]`).test(l));
      expect(nodeLines('fn')).toHaveLength(functions.length);
      expect(nodeLines('table')).toHaveLength(tables.length);
      expect(nodeLines('rule')).toHaveLength(rules.length);
      const queued = rules.filter((r) => r.target.kind === 'queue').length;
      expect(nodeLines('queue')).toHaveLength(queued);
      expect(nodeLines('dlq')).toHaveLength(queued);
      expect(nodeLines('schedule')).toHaveLength(schedules.length);
      expect(nodeLines('sharded')).toHaveLength(shardedJobs.length);
    });

    it('lists every route once, under its function, marking the IAM ones', () => {
      const listed = diagram.split('\n').flatMap((l) => {
        const m = /^\s+routes_(\w+)\["(.*)"\]$/.exec(l);
        return m ? m[2]!.split('<br/>').map((entry) => `${m[1]} ${entry}`) : [];
      });
      expect(listed.sort()).toEqual(
        routes
          .map(
            (r) =>
              `${r.functionId.replace(/-/g, '_')} ${routeKey(r)}${r.auth === 'iam' ? ' (IAM)' : r.auth === 'jwt' ? ' (JWT)' : ''}`,
          )
          .sort(),
      );
    });

    it('draws each table access with the arrow of its kind', () => {
      expect(diagram).toContain('fn_hits_read -.-> table_rankings');
      expect(diagram).toContain('fn_lake_results --> table_bundles');
      expect(diagram).toContain('fn_pricing <--> table_quotes');
    });
  });

  describe('withArchitecture', () => {
    it('replaces only the text between the markers', () => {
      const text = `intro\n${BEGIN_MARKER}\nold\n${END_MARKER}\nrest\n`;
      expect(withArchitecture(text, 'new')).toBe(`intro\n${BEGIN_MARKER}\nnew\n${END_MARKER}\nrest\n`);
    });

    it('refuses a README without the markers', () => {
      expect(() => withArchitecture('no markers', 'x')).toThrow(/architecture:begin/);
    });
  });
});
