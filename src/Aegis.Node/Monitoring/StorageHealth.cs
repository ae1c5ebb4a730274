using System.Diagnostics.Metrics;
using Aegis.Core.Encoding;
using Aegis.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Aegis.Node.Monitoring;

/// <summary>
/// What the node knows about its store from the failures it has seen: the last write failure (cleared by the next
/// write that succeeds) and whether stored data was found damaged (kept until restart). Readiness and the storage
/// failure counters read it. Damage is also what the integrity checks report (<see cref="IntegrityFailed"/>): the
/// start-time check of the recent history and state, and every block read, which is checked against its certified
/// hash on its way out of the store (<see cref="StoredBlockRow"/>); from then on the node serves nothing of the store.
/// </summary>
public sealed partial class StorageHealth
{
    /// <summary>Values of <c>aegis_storage_integrity_failures_total{check}</c>: the start-time check, or a block read (API, sync, recovery).</summary>
    public const string StartCheck = "start";
    public const string ReadCheck = "read";

    public const string DiskFull = "disk_full";
    public const string StoreCorrupt = "store_corrupt";
    public const string Rejected = "rejected";
    public const string Error = "error";

    private readonly Counter<long>? _writeFailures;
    private readonly Counter<long>? _readFailures;
    private readonly Counter<long>? _integrityFailures;
    private readonly ILogger? _logger;
    private volatile Failure? _lastWriteFailure;
    private Failure? _corruption;

    public StorageHealth(AegisMetrics? metrics = null, ILogger? logger = null)
    {
        _writeFailures = metrics?.StorageWriteFailures;
        _readFailures = metrics?.StorageReadFailures;
        _integrityFailures = metrics?.StorageIntegrityFailures;
        _logger = logger;
    }

    public static IReadOnlyList<string> IntegrityChecks { get; } = [StartCheck, ReadCheck];

    public static IReadOnlyList<string> WriteReasons { get; } = [DiskFull, StoreCorrupt, Rejected, Error];

    public static IReadOnlyList<string> ReadReasons { get; } = [StoreCorrupt, Error];

    /// <summary>The failure of the last write, if it failed.</summary>
    public Failure? LastWriteFailure => _lastWriteFailure;

    /// <summary>The first sign that stored data is damaged, if any was seen.</summary>
    public Failure? Corruption => Volatile.Read(ref _corruption);

    public void WriteSucceeded() => _lastWriteFailure = null;

    public void WriteFailed(Exception ex)
    {
        var failure = new Failure(Classify(ex), ex.Message, DateTimeOffset.UtcNow);
        _lastWriteFailure = failure;
        _writeFailures?.Add(1, new KeyValuePair<string, object?>("reason", failure.Reason));
        if (failure.Reason == StoreCorrupt)
        {
            Corrupted(failure);
        }
    }

    public void ReadFailed(Exception ex)
    {
        string reason = Classify(ex) == StoreCorrupt ? StoreCorrupt : Error;
        _readFailures?.Add(1, new KeyValuePair<string, object?>("reason", reason));
        if (ex is StoreCorruptException)
        {
            _integrityFailures?.Add(1, new KeyValuePair<string, object?>("check", ReadCheck));
        }

        if (reason == StoreCorrupt)
        {
            Corrupted(new Failure(reason, ex.Message, DateTimeOffset.UtcNow));
        }
    }

    /// <summary>An integrity check found stored data that does not match its certified hashes: the node stops serving the store.</summary>
    public void IntegrityFailed(string check, string message)
    {
        _integrityFailures?.Add(1, new KeyValuePair<string, object?>("check", check));
        Corrupted(new Failure(StoreCorrupt, message, DateTimeOffset.UtcNow));
    }

    /// <summary>Keeps the first sign of damage (until restart) and says so once in the log.</summary>
    private void Corrupted(Failure failure)
    {
        if (Interlocked.CompareExchange(ref _corruption, failure, null) is null && _logger is not null)
        {
            LogCorrupt(_logger, failure.Message);
        }
    }

    /// <summary>Names a storage failure by its cause, looking through the wrapping <see cref="StorageException"/>.</summary>
    public static string Classify(Exception ex)
    {
        if (ex is BlockRejectedException)
        {
            return Rejected;
        }

        if (ex is StoreCorruptException)
        {
            return StoreCorrupt;
        }

        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // SQLITE_FULL = 13, SQLITE_CORRUPT = 11, SQLITE_NOTADB = 26 (sqlite.org/rescode.html).
                case SqliteException { SqliteErrorCode: 13 }:
                    return DiskFull;
                case SqliteException { SqliteErrorCode: 11 or 26 }:
                    return StoreCorrupt;

                // Class 53 "insufficient resources": 53100 disk_full; class XX: XX001 data_corrupted, XX002 index_corrupted.
                case PostgresException { SqlState: "53100" }:
                    return DiskFull;
                case PostgresException { SqlState: "XX001" or "XX002" }:
                    return StoreCorrupt;

                // ENOSPC (28) on Linux, ERROR_DISK_FULL (112) / ERROR_HANDLE_DISK_FULL (39) on Windows.
                case IOException io when (io.HResult & 0xFFFF) is 28 or 112 or 39:
                    return DiskFull;
                case CodecException:
                    return StoreCorrupt;
            }
        }

        return Error;
    }

    public sealed record Failure(string Reason, string Message, DateTimeOffset At);

    [LoggerMessage(Level = LogLevel.Critical, Message = "store corrupt: {Problem}; this node serves nothing of its store from now on (/ready 503 store_corrupt, API 503): stop it, run 'aegis verify', then restore a backup or resync (docs/operations.md, 'Corrupted store')")]
    private static partial void LogCorrupt(ILogger logger, string problem);
}
