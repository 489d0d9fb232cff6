/**
 * Wraps a Terraform expression for a JSON configuration string.
 * Expressions are written out as HCL instead of built with cdktf's `Op` helpers,
 * because cdktf 0.21 renders falsy operands (`0`, `""`) of those helpers as `undefined`.
 */
export function hcl(expression: string): string {
  return '${' + expression + '}';
}
