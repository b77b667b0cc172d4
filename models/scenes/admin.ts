import type { CatalogEvent, Scene } from '../../events/catalog.ts';
import type { FieldIssue } from '../errors.ts';

type SceneUpserted = Extract<CatalogEvent, { type: 'SceneUpserted' }>;

/** The narrow ports a scene submission needs; functions/catalog-admin.ts wires them to AWS. */
export interface SceneAdminPorts {
  /** Of these (distinct) categories, the ones at least one product of the catalog is in. */
  categoriesInCatalog(categories: readonly string[]): Promise<ReadonlySet<string>>;
  /** Puts the event on the bus; what still failed after the publisher's retries, if anything. */
  publish(event: SceneUpserted): Promise<{ failed: readonly { code: string; message: string }[] }>;
}

export type SceneSubmission =
  | { outcome: 'invalid'; issues: FieldIssue[] }
  | { outcome: 'accepted'; sceneId: string; eventId: string }
  | { outcome: 'unpublished'; eventId: string; code: string; message: string };

/**
 * An operator's scene definition, already valid against the schema, checked against what the
 * schema cannot know (the path's id, the catalog's categories) and published as `SceneUpserted`.
 * Every issue is reported at once, and nothing is published unless there are none; the stored
 * scene changes only when `catalog-write` applies the event (the newest `occurredAt` wins).
 */
export async function submitScene(
  ports: SceneAdminPorts,
  input: { sceneId: string; scene: Scene },
  options: { eventId: string; now: Date },
): Promise<SceneSubmission> {
  const { sceneId, scene } = input;
  const issues: FieldIssue[] = [];
  if (scene.sceneId !== sceneId) {
    issues.push({ field: 'sceneId', message: `must equal the sceneId of the path ("${sceneId}")` });
  }
  const wanted = [...new Set(scene.slots.flatMap((s) => s.constraint.categories ?? []))];
  const known = wanted.length > 0 ? await ports.categoriesInCatalog(wanted) : new Set<string>();
  scene.slots.forEach((slot, i) => {
    slot.constraint.categories?.forEach((category, j) => {
      if (!known.has(category)) {
        issues.push({
          field: `slots.${i}.constraint.categories.${j}`,
          message: `no product of the catalog is in category "${category}"`,
        });
      }
    });
  });
  if (issues.length > 0) return { outcome: 'invalid', issues };

  const event: SceneUpserted = {
    type: 'SceneUpserted',
    eventId: options.eventId,
    occurredAt: options.now.toISOString(),
    version: 1,
    scene,
  };
  const { failed } = await ports.publish(event);
  const failure = failed[0];
  if (failure) return { outcome: 'unpublished', eventId: event.eventId, ...failure };
  return { outcome: 'accepted', sceneId, eventId: event.eventId };
}
