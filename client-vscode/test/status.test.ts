import { describe, expect, it } from 'vitest';
import { StatusState, statusText } from '../src/status';
import type { BudgetResult } from '../src/protocol';

const budget: BudgetResult = {
  configured: true, model: 'gpt-x', dailySpentUsd: 0.42, dailyLimitUsd: 5, monthlySpentUsd: 3.1,
  calls: 10, cacheHits: 4, cacheHitRate: 0.4, cacheEntries: 4, cacheBytes: 1000,
};

describe('status bar text', () => {
  it('says ready when idle', () => {
    expect(statusText({ server: 'running', progress: [] }).text).toBe('$(check) Mira');
  });

  it('shows index progress from $/progress begin/report/end', () => {
    const seen: string[] = [];
    const state = new StatusState((s) => seen.push(s.text));
    state.setServer('running');
    state.progress('t1', { kind: 'begin', title: 'Indexing git history', percentage: 0 });
    state.progress('t1', { kind: 'report', message: '120/400 commits', percentage: 30 });
    expect(state.text().text).toBe('$(sync~spin) Mira: Indexing git history 30 %');
    expect(state.text().tooltip).toContain('120/400 commits');
    state.progress('t1', { kind: 'end' });
    expect(state.text().text).toBe('$(check) Mira');
    expect(seen.length).toBe(4);
  });

  it('adds budget and cache when a model is configured', () => {
    const s = statusText({ server: 'running', progress: [], budget });
    expect(s.text).toBe('$(check) Mira · $0.42/$5.00 today · cache 40 %');
    expect(s.tooltip).toContain('Model: gpt-x');
    expect(s.tooltip).toContain('4 cache hits (40 %)');
  });

  it('explains a missing server', () => {
    expect(statusText({ server: 'notFound', progress: [] }).tooltip).toContain('mira.serverCommand');
  });
});
