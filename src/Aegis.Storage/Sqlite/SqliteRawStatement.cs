using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Aegis.Storage.Sqlite;

/// <summary>
/// A statement prepared once on a connection's native handle and bound by position, for the state tree's bulk writes.
/// It runs inside whatever transaction the connection has open (the block's), like any statement on that connection.
/// </summary>
/// <remarks>
/// Why not <see cref="SqliteCommand"/> (measured, bench/README.md "Tree writes in few statements"): Microsoft.Data.Sqlite
/// looks every parameter up by name at each execution (sqlite3_bind_parameter_index, a scan of the statement's names), so
/// a 256-row statement with 513 parameters binds in quadratic time, and single-row statements pay ~4 µs of managed
/// overhead each. Bound by position, 9,000 node rows in 256-row statements took 8–11 ms against 41–130 ms one
/// statement per row.
/// </remarks>
internal sealed class SqliteRawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private sqlite3_stmt? _statement;

    public SqliteRawStatement(SqliteConnection connection, string sql)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _db = connection.Handle ?? throw new InvalidOperationException("the SQLite connection is not open");
        int rc = raw.sqlite3_prepare_v2(_db, sql, out sqlite3_stmt statement);
        Check(rc);
        _statement = statement;
        ParameterCount = raw.sqlite3_bind_parameter_count(statement);
    }

    public int ParameterCount { get; }

    /// <param name="index">1-based, as SQLite numbers parameters (?1, ?2, …).</param>
    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(Statement, index, value));

    /// <param name="index">1-based; SQLite copies the bytes (SQLITE_TRANSIENT), so a stack buffer may be reused after.</param>
    public void Bind(int index, ReadOnlySpan<byte> value) => Check(raw.sqlite3_bind_blob(Statement, index, value));

    /// <summary>Runs the bound statement to completion (a write) and resets it for the next binding; returns the rows it changed.</summary>
    public int Execute()
    {
        int rc = raw.sqlite3_step(Statement);
        try
        {
            if (rc != raw.SQLITE_DONE)
            {
                Check(rc);
                throw new InvalidOperationException($"a write statement returned SQLite code {rc} instead of SQLITE_DONE");
            }

            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(Statement);
        }
    }

    public void Dispose()
    {
        _statement?.Dispose();
        _statement = null;
    }

    private sqlite3_stmt Statement => _statement ?? throw new ObjectDisposedException(nameof(SqliteRawStatement));

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _db);
}
