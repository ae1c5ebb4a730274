using System.Diagnostics.Metrics;
using Aegis.Core.Encoding;
using Aegis.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Aegis.Node.Monitoring;

/// <summary>
/// What the node knows about its store from the failures it has seen: the last write failure (cleared by the next
/// write that succeeds) and whether stored data was found damaged (kept until restart). Readiness and the storage
/// failure counters read it.
/// </summary>
public sealed class StorageHealth
{
    public const string DiskFull = "disk_full";
    public const string StoreCorrupt = "store_corrupt";
    public const string Rejected = "rejected";
    public const string Error = "error";

    private readonly Counter<long>? _writeFailures;
    private readonly Counter<long>? _readFailures;
    private volatile Failure? _lastWriteFailure;
    private volatile Failure? _corruption;

    public StorageHealth(AegisMetrics? metrics = null)
    {
        _writeFailures = metrics?.StorageWriteFailures;
        _readFailures = metrics?.StorageReadFailures;
    }

    public static IReadOnlyList<string> WriteReasons { get; } = [DiskFull, StoreCorrupt, Rejected, Error];

    public static IReadOnlyList<string> ReadReasons { get; } = [StoreCorrupt, Error];

    /// <summary>The failure of the last write, if it failed.</summary>
    public Failure? LastWriteFailure => _lastWriteFailure;

    /// <summary>The first sign that stored data is damaged, if any was seen.</summary>
    public Failure? Corruption => _corruption;

    public void WriteSucceeded() => _lastWriteFailure = null;

    public void WriteFailed(Exception ex)
    {
        var failure = new Failure(Classify(ex), ex.Message, DateTimeOffset.UtcNow);
        _lastWriteFailure = failure;
        _writeFailures?.Add(1, new KeyValuePair<string, object?>("reason", failure.Reason));
        if (failure.Reason == StoreCorrupt)
        {
            _corruption ??= failure;
        }
    }

    public void ReadFailed(Exception ex)
    {
        string reason = Classify(ex) == StoreCorrupt ? StoreCorrupt : Error;
        _readFailures?.Add(1, new KeyValuePair<string, object?>("reason", reason));
        if (reason == StoreCorrupt)
        {
            _corruption ??= new Failure(reason, ex.Message, DateTimeOffset.UtcNow);
        }
    }

    /// <summary>Names a storage failure by its cause, looking through the wrapping <see cref="StorageException"/>.</summary>
    public static string Classify(Exception ex)
    {
        if (ex is BlockRejectedException)
        {
            return Rejected;
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
}
