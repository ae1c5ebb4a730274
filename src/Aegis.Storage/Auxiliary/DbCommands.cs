using System.Data.Common;

namespace Aegis.Storage.Auxiliary;

/// <summary>Small helpers so SQL in an owner's store reads as one statement per call, on either engine.</summary>
public static class DbCommands
{
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? tx = null, params (string Name, object? Value)[] parameters)
    {
        DbCommand cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        foreach ((string name, object? value) in parameters)
        {
            DbParameter p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }

        return cmd;
    }

    public static async Task<int> ExecuteAsync(this DbConnection connection, string sql, DbTransaction? tx, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using DbCommand cmd = connection.Command(sql, tx, parameters);
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
