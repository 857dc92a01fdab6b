/** Where `lakebench serve` takes files to and from the page (transfers.ts); shared with the page's client. */
export const DOWNLOAD_EXPORT_PATH = '/api/download/export';
export const UPLOAD_PATH = '/api/upload';
