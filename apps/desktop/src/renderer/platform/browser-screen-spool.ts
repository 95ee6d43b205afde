import type { ScreenUploadMetadata } from '@vox/shared';

/** A screen recording kept in IndexedDB: its manifest; the chunks are stored beside it. */
export interface BrowserSpoolManifest {
  spoolId: string;
  metadata: ScreenUploadMetadata;
  createdAt: string;
  /** `recording` while chunks may arrive; found so at start-up, the page died while recording */
  state: 'recording' | 'closed';
  chunks: number;
  bytes: number;
  /** the tus upload URL once the backend created one, so a later attempt resumes */
  uploadUrl?: string;
}

interface StoredChunk {
  spoolId: string;
  seq: number;
  /** a Blob, which Chromium keeps on disk: reading a spool back does not load it into memory */
  data: Blob;
}

const databaseName = 'vox-screen-spool';
const manifests = 'spools';
const chunkStore = 'chunks';

export class BrowserSpoolFullError extends Error {
  override readonly name = 'BrowserSpoolFullError';
}

function requestResult<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

function transactionDone(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
    transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'));
  });
}

function isQuotaError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'QuotaExceededError';
}

/**
 * The browser adapter's spool: each chunk is committed to IndexedDB before the recorder hears it
 * was appended, so closing the tab, a crash or a power cut loses at most the chunk being
 * recorded, and memory stays flat however long the shift.
 */
export class BrowserScreenSpool {
  private constructor(private readonly database: IDBDatabase) {}

  static async open(factory: IDBFactory = indexedDB): Promise<BrowserScreenSpool> {
    const request = factory.open(databaseName, 1);
    request.onupgradeneeded = () => {
      const database = request.result;
      database.createObjectStore(manifests, { keyPath: 'spoolId' });
      database.createObjectStore(chunkStore, { keyPath: ['spoolId', 'seq'] });
    };
    return new BrowserScreenSpool(await requestResult(request));
  }

  async create(metadata: ScreenUploadMetadata, spoolId: string = crypto.randomUUID()): Promise<BrowserSpoolManifest> {
    const manifest: BrowserSpoolManifest = {
      spoolId,
      metadata,
      createdAt: new Date().toISOString(),
      state: 'recording',
      chunks: 0,
      bytes: 0,
    };
    const transaction = this.database.transaction(manifests, 'readwrite');
    transaction.objectStore(manifests).put(manifest);
    await transactionDone(transaction);
    return manifest;
  }

  /** One transaction writes the chunk and the manifest that counts it: both land or neither. */
  async append(spoolId: string, chunk: Uint8Array): Promise<void> {
    const transaction = this.database.transaction([manifests, chunkStore], 'readwrite');
    const done = transactionDone(transaction);
    try {
      const manifest = await this.manifestIn(transaction, spoolId);
      if (manifest.state !== 'recording') throw new Error(`screen spool ${spoolId} is closed`);
      const stored: StoredChunk = {
        spoolId,
        seq: manifest.chunks,
        data: new Blob([chunk as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
      };
      transaction.objectStore(chunkStore).put(stored);
      transaction
        .objectStore(manifests)
        .put({ ...manifest, chunks: manifest.chunks + 1, bytes: manifest.bytes + chunk.byteLength });
      await done;
    } catch (error) {
      await done.catch(() => undefined);
      if (isQuotaError(error) || isQuotaError(transaction.error)) {
        throw new BrowserSpoolFullError(
          'disk_full: the browser has no room left for the screen recording (storage quota reached)',
        );
      }
      throw error;
    }
  }

  async update(
    spoolId: string,
    change: Partial<Pick<BrowserSpoolManifest, 'state' | 'uploadUrl' | 'metadata'>>,
  ): Promise<void> {
    const transaction = this.database.transaction(manifests, 'readwrite');
    const done = transactionDone(transaction);
    const manifest = await this.manifestIn(transaction, spoolId);
    transaction.objectStore(manifests).put({ ...manifest, ...change });
    await done;
  }

  async manifest(spoolId: string): Promise<BrowserSpoolManifest> {
    const transaction = this.database.transaction(manifests, 'readonly');
    return this.manifestIn(transaction, spoolId);
  }

  /** The spool's file: the chunks in order, as one Blob that still lives on disk. */
  async file(spoolId: string): Promise<Blob> {
    const transaction = this.database.transaction(chunkStore, 'readonly');
    const range = IDBKeyRange.bound([spoolId, 0], [spoolId, Number.MAX_SAFE_INTEGER]);
    const chunks = await requestResult(transaction.objectStore(chunkStore).getAll(range) as IDBRequest<StoredChunk[]>);
    return new Blob(
      chunks.sort((a, b) => a.seq - b.seq).map((c) => c.data),
      { type: 'video/webm' },
    );
  }

  async list(): Promise<BrowserSpoolManifest[]> {
    const transaction = this.database.transaction(manifests, 'readonly');
    const all = await requestResult(transaction.objectStore(manifests).getAll() as IDBRequest<BrowserSpoolManifest[]>);
    return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async remove(spoolId: string): Promise<void> {
    const transaction = this.database.transaction([manifests, chunkStore], 'readwrite');
    transaction.objectStore(manifests).delete(spoolId);
    transaction.objectStore(chunkStore).delete(IDBKeyRange.bound([spoolId, 0], [spoolId, Number.MAX_SAFE_INTEGER]));
    await transactionDone(transaction);
  }

  close(): void {
    this.database.close();
  }

  private async manifestIn(transaction: IDBTransaction, spoolId: string): Promise<BrowserSpoolManifest> {
    const manifest = await requestResult(
      transaction.objectStore(manifests).get(spoolId) as IDBRequest<BrowserSpoolManifest | undefined>,
    );
    if (!manifest) throw new Error(`there is no screen spool ${spoolId}`);
    return manifest;
  }
}
