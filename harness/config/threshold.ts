/**
 * k6-style threshold expressions: "p(99)<250", "p(99.9)<=1000", "max<2000", "avg<100",
 * "count==0", "rate>0.99". The aggregation names the statistic of the metric; the operator and
 * the limit say what must hold.
 */
export type Aggregation = { kind: 'p'; q: number } | { kind: 'max' | 'min' | 'avg' | 'med' | 'count' | 'rate' };
export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';
export interface Threshold {
  expression: string;
  aggregation: Aggregation;
  op: Operator;
  limit: number;
}

const EXPR = /^\s*(p\(\s*(\d+(?:\.\d+)?)\s*\)|max|min|avg|med|count|rate)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

export function parseThreshold(expression: string): Threshold {
  const m = EXPR.exec(expression);
  if (!m) throw new Error(`not a threshold: "${expression}" (expected e.g. "p(99)<250", "max<2000", "count==0")`);
  let aggregation: Aggregation;
  if (m[2] !== undefined) {
    const q = Number(m[2]);
    if (q <= 0 || q > 100) throw new Error(`not a threshold: "${expression}" (percentile must be in (0, 100])`);
    aggregation = { kind: 'p', q };
  } else {
    aggregation = { kind: m[1] as 'max' };
  }
  return { expression: expression.trim(), aggregation, op: m[3] as Operator, limit: Number(m[4]) };
}

export function holds(t: Threshold, observed: number): boolean {
  switch (t.op) {
    case '<':
      return observed < t.limit;
    case '<=':
      return observed <= t.limit;
    case '>':
      return observed > t.limit;
    case '>=':
      return observed >= t.limit;
    case '==':
      return observed === t.limit;
    case '!=':
      return observed !== t.limit;
  }
}

export function aggregationName(a: Aggregation): string {
  return a.kind === 'p' ? `p(${a.q})` : a.kind;
}
