/**
 * From a catalog's metadata location to an opened table: the table's store (its folder: the part of
 * the metadata location before `/metadata/`) and the metadata file's key in it. Remote tables may come
 * with vended credentials (a REST catalog's load-table `config`), used for that table's store only.
 */
import { LakebenchError } from '../../../errors';
import { openLocation, type LocationOptions } from '../../../storage/location';
import { S3Store } from '../../../storage/s3';
import { createS3Client, DEFAULT_REGION } from '../../../storage/s3-client';
import type { ObjectStore } from '../../../storage/types';
import { canonicalLocation } from '../paths';
import { IcebergTable } from '../table';

/** Storage settings a catalog hands out for a table (REST `config` / `storage-credentials`). */
export interface VendedStorage {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  endpoint?: string;
  region?: string;
}

/** Opens stores for table locations; tests and the app pass their own (endpoint, profile, cache of clients). */
export type StoreOpener = (location: string, vended?: VendedStorage) => ObjectStore;

/** The default opener: the standard AWS chain, or the vended credentials when a catalog gave some. */
export function defaultStoreOpener(options: LocationOptions = {}): StoreOpener {
  return (location, vended) => {
    const canonical = canonicalLocation(location);
    if (!vended?.accessKeyId || !canonical.startsWith('s3://')) return openLocation(canonical, options);
    const [bucket, ...prefix] = canonical.slice('s3://'.length).split('/');
    const endpoint = vended.endpoint ?? options.endpoint;
    return new S3Store({
      client: createS3Client({
        endpoint,
        region: vended.region ?? options.region ?? DEFAULT_REGION,
        credentials: { accessKeyId: vended.accessKeyId, secretAccessKey: vended.secretAccessKey ?? '', ...(vended.sessionToken && { sessionToken: vended.sessionToken }) },
      }),
      bucket: bucket!,
      prefix: prefix.join('/'),
      urlScheme: 's3',
      ...(endpoint && { endpoint }),
    });
  };
}

const METADATA_SEGMENT = '/metadata/';

/** The table folder and metadata key of a metadata location (`…/<table>/metadata/<file>.metadata.json`). */
export function splitMetadataLocation(metadataLocation: string): { tableLocation: string; metadataKey: string } {
  const canonical = canonicalLocation(metadataLocation);
  const at = canonical.lastIndexOf(METADATA_SEGMENT);
  if (at <= 0) {
    throw new LakebenchError('CORRUPT', `metadata location ${metadataLocation} is not in a metadata/ folder of its table`, {
      object: metadataLocation,
    });
  }
  return { tableLocation: canonical.slice(0, at), metadataKey: canonical.slice(at + 1) };
}

export async function openTableAt(metadataLocation: string, openStore: StoreOpener, vended?: VendedStorage): Promise<IcebergTable> {
  const { tableLocation, metadataKey } = splitMetadataLocation(metadataLocation);
  return IcebergTable.open(openStore(tableLocation, vended), { metadataKey });
}
