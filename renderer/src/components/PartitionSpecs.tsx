/** The partition specs a table's files follow (Iceberg evolves them): each field with its transform and source column. */
import type { PartitionSpec } from '../../../core/api/workbench';

export function PartitionSpecs({ specs, current }: { specs: readonly PartitionSpec[]; current?: number }) {
  return (
    <ul className="partition-specs" data-testid="partition-specs">
      {specs.map((spec) => {
        const isCurrent = spec.specId === current;
        return (
          <li key={spec.specId} data-testid="partition-spec">
            <strong>Spec {spec.specId}</strong>
            {isCurrent && <span className="badge">current</span>}{' '}
            {spec.fields.length === 0
              ? 'unpartitioned'
              : spec.fields.map((f) => (
                  <code key={f.name} className="spec-field" title={f.fieldId === undefined ? undefined : `partition field id ${f.fieldId}`}>
                    {f.name} = {f.transform ?? 'identity'}({f.source ?? f.name})
                  </code>
                ))}
          </li>
        );
      })}
    </ul>
  );
}
