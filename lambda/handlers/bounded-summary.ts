/**
 * A reconcile summary small enough to be a Lambda response.
 *
 * A synchronous invocation's response is limited to 6 MB; a larger one turns into a function
 * error (`Function.ResponseSizeTooLarge`), which would fail the `terraform apply` that runs the
 * reconcile and leave nothing of the summary. A first reconcile of a wide scope can plan tens of
 * thousands of tags, so the response keeps the first entries of the long lists and says, in a
 * note, how many it left out; the counts (`checked`, `queued`, ...) stay exact, and every planned
 * tag is still queued.
 */
export const RESPONSE_PLAN_ENTRIES = 1000;
export const RESPONSE_ERROR_ENTRIES = 100;

interface ListsOfASummary {
  readonly plan: readonly unknown[];
  readonly errors: readonly unknown[];
  readonly notes: readonly string[];
}

export function boundedForResponse<S extends ListsOfASummary>(summary: S, limits = { plan: RESPONSE_PLAN_ENTRIES, errors: RESPONSE_ERROR_ENTRIES }): S {
  const notes: string[] = [];
  const omitted = (list: 'plan' | 'errors', what: string) => {
    const total = summary[list].length;
    if (total > limits[list]) notes.push(`${list} lists the first ${limits[list]} of ${total} ${what}; the function's log has the reconcile's summary line`);
  };
  omitted('plan', 'planned tags');
  omitted('errors', 'errors');
  if (notes.length === 0) return summary;
  return {
    ...summary,
    plan: summary.plan.slice(0, limits.plan),
    errors: summary.errors.slice(0, limits.errors),
    notes: [...summary.notes, ...notes],
  };
}
