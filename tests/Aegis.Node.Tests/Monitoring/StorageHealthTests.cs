using Aegis.Core.Encoding;
using Aegis.Node.Monitoring;
using Aegis.Storage;
using Microsoft.Data.Sqlite;

namespace Aegis.Node.Tests.Monitoring;

public class StorageHealthTests
{
    [Fact]
    public void A_full_disk_is_named_through_the_wrapping_storage_exception()
    {
        var sqliteFull = new StorageException("sqlite /data/aegis.db: write failed", new SqliteException("database or disk is full", 13));
        var enospc = new StorageException("write failed", new IOException("No space left on device", 28));
        Assert.Equal(StorageHealth.DiskFull, StorageHealth.Classify(sqliteFull));
        Assert.Equal(StorageHealth.DiskFull, StorageHealth.Classify(enospc));
    }

    [Fact]
    public void Damaged_data_is_named_corrupt_and_stays_until_restart()
    {
        var health = new StorageHealth();
        health.ReadFailed(new StorageException("the stored block at height 9 does not decode", new CodecException("truncated")));
        health.WriteSucceeded();
        Assert.Equal(StorageHealth.StoreCorrupt, health.Corruption?.Reason);
        Assert.Equal(StorageHealth.StoreCorrupt, StorageHealth.Classify(new SqliteException("database disk image is malformed", 11)));
    }

    [Fact]
    public void A_write_failure_is_cleared_by_the_next_write_that_succeeds()
    {
        var health = new StorageHealth();
        health.WriteFailed(new StorageException("write failed", new SqliteException("database or disk is full", 13)));
        Assert.Equal(StorageHealth.DiskFull, health.LastWriteFailure?.Reason);
        health.WriteSucceeded();
        Assert.Null(health.LastWriteFailure);
        Assert.Equal(StorageHealth.Error, StorageHealth.Classify(new StorageException("connection reset")));
    }
}
