import { describe, expect, it } from 'vitest';
import { renderTurn, Transcript } from '../src/chat/transcript';
import type { Artifact } from '../src/protocol';

const artifact: Artifact = {
  id: 'a1', path: 'models.py', uri: 'file:///w/models.py', language: 'python', sha256: 'x',
  kind: 'full', content: 'M = 2\n', edit: {},
};

describe('chat transcript', () => {
  it('joins streamed text chunks into one markdown step', () => {
    const t = new Transcript();
    const turn = t.start('why?');
    t.apply(turn, { kind: 'text', text: 'Because **api' });
    t.apply(turn, { kind: 'text', text: '.py** changed' });
    expect(turn.steps).toHaveLength(1);
    expect(Transcript.answer(turn)).toBe('Because **api.py** changed');
    expect(renderTurn(turn)).toContain('<strong>api.py</strong>');
  });

  it('shows tool calls as collapsible steps and attaches their results', () => {
    const t = new Transcript();
    const turn = t.start('q');
    t.apply(turn, { kind: 'tool', callId: 'c1', name: 'search_code', args: { query: 'handle' } });
    expect(renderTurn(turn)).toContain('running…');
    t.apply(turn, { kind: 'toolResult', callId: 'c1', name: 'search_code', ok: true, summary: '3 hits' });
    t.apply(turn, { kind: 'text', text: 'Found it.' });
    const html = renderTurn(turn);
    expect(html).toMatch(/<details class="step tool ok" data-call="c1"><summary><span class="tool-name">search_code<\/span>/);
    expect(html).toContain('3 hits');
    expect(html.indexOf('search_code')).toBeLessThan(html.indexOf('Found it.'));
  });

  it('marks failed tools', () => {
    const t = new Transcript();
    const turn = t.start('q');
    t.apply(turn, { kind: 'toolResult', callId: 'c9', name: 'blame', ok: false, summary: 'no such file' });
    expect(renderTurn(turn)).toContain('class="step tool failed"');
  });

  it('renders artifacts once, with Apply and View diff buttons', () => {
    const t = new Transcript();
    const turn = t.start('q');
    t.apply(turn, { kind: 'artifact', artifact });
    t.finish(turn, { operationId: 'op', sessionId: 's', state: 'completed', response: 'done', artifacts: [artifact], citations: [] });
    expect(turn.steps.filter((s) => s.kind === 'artifact')).toHaveLength(1);
    const html = renderTurn(turn);
    expect(html).toContain('data-action="apply" data-id="a1"');
    expect(html).toContain('data-action="diff" data-id="a1"');
    expect(t.artifact('a1')).toBe(artifact);
    t.markApplied('a1'); // a panel opened again renders it applied
    expect(renderTurn(turn)).toContain('data-id="a1" disabled>Applied</button>');
  });

  it('uses the final response when nothing was streamed, and shows usage', () => {
    const t = new Transcript();
    const turn = t.start('q');
    t.finish(turn, {
      operationId: 'op', sessionId: 's', state: 'completed', response: '# Answer', artifacts: [], citations: [],
      usage: { model: 'm', promptTokens: 100, completionTokens: 20, reasoningTokens: 0, costUsd: 0.0012, cached: true, calls: 1 },
    });
    const html = renderTurn(turn);
    expect(html).toContain('<h1>Answer</h1>');
    expect(html).toContain('m · 120 tokens · $0.0012 · cached');
  });

  it('never passes raw HTML from the model or the question through', () => {
    const t = new Transcript();
    const turn = t.start('<img src=x onerror=alert(1)>');
    t.apply(turn, { kind: 'text', text: '<script>alert(1)</script>' });
    const html = renderTurn(turn);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
  });

  it('shows stopped and failed turns', () => {
    const t = new Transcript();
    const a = t.start('a');
    t.cancel(a);
    expect(renderTurn(a)).toContain('Stopped.');
    const b = t.start('b');
    t.fail(b, 'Set llmBaseUrl');
    expect(renderTurn(b)).toContain('Set llmBaseUrl');
    expect(b.id).toBe(a.id + 1);
  });
});
