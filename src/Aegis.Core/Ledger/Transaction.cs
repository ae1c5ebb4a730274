using Aegis.Core.Crypto;
using Aegis.Core.Encoding;

namespace Aegis.Core.Ledger;

public enum TxOp : byte
{
    Put = 1,
    Delete = 2,

    /// <summary>Content store: keep the DAG under the CID in <see cref="Transaction.Key"/> on every validator (value empty).</summary>
    ContentPin = 3,

    /// <summary>Content store: drop the cluster-wide pin of the CID in the key (value empty).</summary>
    ContentUnpin = 4,

    /// <summary>SecureChat: a signed <see cref="ChatEnvelope"/> (value) for the room whose 32-byte id is the key.</summary>
    Chat = 5,
}

/// <summary>
/// One client operation on the key-value state. Its hash covers op, key, value and the optional client id, so
/// resubmitting the same operation yields the same hash and is applied once; a client that wants to repeat an
/// identical put on purpose gives each one a distinct <see cref="ClientId"/>.
/// </summary>
public sealed class Transaction : IEquatable<Transaction>
{
    private const byte Version = 1;

    /// <summary>Bound on a pinned CID's binary form (a CIDv1 prefix plus a 128-byte digest).</summary>
    public const int MaxCidBytes = 160;

    private readonly byte[] _key;
    private readonly byte[] _value;
    private readonly byte[] _clientId;
    private byte[]? _encoded;
    private Hash32? _hash;

    private Transaction(TxOp op, byte[] key, byte[] value, byte[] clientId)
    {
        Op = op;
        _key = key;
        _value = value;
        _clientId = clientId;
    }

    public TxOp Op { get; }

    public ReadOnlySpan<byte> Key => _key;

    public ReadOnlySpan<byte> Value => _value;

    public ReadOnlySpan<byte> ClientId => _clientId;

    public string KeyString => System.Text.Encoding.UTF8.GetString(_key);

    public string ValueString => System.Text.Encoding.UTF8.GetString(_value);

    public string? ClientIdString => _clientId.Length == 0 ? null : System.Text.Encoding.UTF8.GetString(_clientId);

    public Hash32 Hash => _hash ??= Hash32.Compute(Encoded);

    /// <summary>Encoded size in bytes; what mempool and block limits count.</summary>
    public int Size => Encoded.Length;

    private byte[] Encoded
    {
        get
        {
            if (_encoded is null)
            {
                var w = new CanonicalWriter(16 + _key.Length + _value.Length + _clientId.Length);
                WriteTo(w);
                _encoded = w.ToArray();
            }

            return _encoded;
        }
    }

    public static Transaction Put(string key, string value, string? clientId = null) =>
        Create(TxOp.Put, Utf8(key), Utf8(value), clientId is null ? [] : Utf8(clientId));

    public static Transaction Delete(string key, string? clientId = null) =>
        Create(TxOp.Delete, Utf8(key), [], clientId is null ? [] : Utf8(clientId));

    /// <summary>Builds a transaction, throwing <see cref="ArgumentException"/> that names the field when a bound is broken.</summary>
    public static Transaction Create(TxOp op, byte[] key, byte[] value, byte[] clientId)
    {
        string? problem = Validate(op, key.Length, value.Length, clientId.Length);
        if (problem is not null)
        {
            throw new ArgumentException(problem);
        }

        return new Transaction(op, key, value, clientId);
    }

    /// <summary>Returns null when the fields are within bounds, otherwise a sentence naming the field.</summary>
    public static string? Validate(TxOp op, int keyLength, int valueLength, int clientIdLength)
    {
        if (op is not (TxOp.Put or TxOp.Delete or TxOp.ContentPin or TxOp.ContentUnpin or TxOp.Chat))
        {
            return $"op: expected put, del, pin, unpin or chat, got {(byte)op}";
        }

        if (op is TxOp.ContentPin or TxOp.ContentUnpin && (keyLength is < 2 or > MaxCidBytes || valueLength != 0))
        {
            return $"key: a pin names one CID of 2 to {MaxCidBytes} bytes and carries no value";
        }

        if (op == TxOp.Chat && (keyLength != ChatEnvelope.RoomIdSize || valueLength == 0))
        {
            return $"key: a chat transaction names a {ChatEnvelope.RoomIdSize}-byte room id and carries an envelope";
        }

        if (keyLength == 0)
        {
            return "key: must not be empty";
        }

        if (keyLength > LedgerLimits.MaxKeyBytes)
        {
            return $"key: {keyLength} bytes exceeds the limit of {LedgerLimits.MaxKeyBytes}";
        }

        if (valueLength > LedgerLimits.MaxValueBytes)
        {
            return $"value: {valueLength} bytes exceeds the limit of {LedgerLimits.MaxValueBytes}";
        }

        if (op == TxOp.Delete && valueLength != 0)
        {
            return "value: a del carries no value";
        }

        if (clientIdLength > LedgerLimits.MaxClientIdBytes)
        {
            return $"id: {clientIdLength} bytes exceeds the limit of {LedgerLimits.MaxClientIdBytes}";
        }

        return null;
    }

    public void WriteTo(CanonicalWriter writer)
    {
        if (_encoded is not null)
        {
            writer.WriteFixed(_encoded);
            return;
        }

        writer.WriteU8(Version);
        writer.WriteU8((byte)Op);
        writer.WriteBytes16(_key);
        writer.WriteBytes32(_value);
        writer.WriteBytes8(_clientId);
    }

    public static Transaction ReadFrom(ref CanonicalReader reader)
    {
        reader.ReadVersion(Version, "tx.version");

        var op = (TxOp)reader.ReadU8("tx.op");
        byte[] key = reader.ReadBytes16("tx.key", LedgerLimits.MaxKeyBytes).ToArray();
        byte[] value = reader.ReadBytes32("tx.value", LedgerLimits.MaxValueBytes).ToArray();
        byte[] id = reader.ReadBytes8("tx.id", LedgerLimits.MaxClientIdBytes).ToArray();
        string? problem = Validate(op, key.Length, value.Length, id.Length);
        if (problem is not null)
        {
            throw new CodecException("tx." + problem);
        }

        return new Transaction(op, key, value, id);
    }

    public byte[] ToBytes() => (byte[])Encoded.Clone();

    public static Transaction FromBytes(ReadOnlySpan<byte> bytes)
    {
        var reader = new CanonicalReader(bytes);
        Transaction tx = ReadFrom(ref reader);
        reader.EnsureEnd("transaction");
        return tx;
    }

    public bool Equals(Transaction? other) => other is not null && Hash == other.Hash;

    public override bool Equals(object? obj) => obj is Transaction other && Equals(other);

    public override int GetHashCode() => Hash.GetHashCode();

    public override string ToString() => Op switch
    {
        TxOp.Put => $"put {KeyString}={ValueString}",
        TxOp.Delete => $"del {KeyString}",
        _ => $"{Op} {Convert.ToHexString(_key)}",
    };

    private static byte[] Utf8(string s) => System.Text.Encoding.UTF8.GetBytes(s);
}
