using Aegis.Core.Ledger;

namespace Aegis.Node.Api;

/// <summary>Client JSON ⇄ <see cref="Transaction"/>, with errors that name the field.</summary>
public static class TxRequests
{
    public static (Transaction? Tx, string? Problem) ToTransaction(TxRequest r)
    {
        // Values and ids are opaque text, but text all the same: an unpaired surrogate would be stored as U+FFFD, not as sent.
        if (HasLoneSurrogate(r.Value) || HasLoneSurrogate(r.Id))
        {
            return (null, $"{(HasLoneSurrogate(r.Value) ? "value" : "id")}: not valid Unicode (an unpaired surrogate)");
        }

        TxOp op;
        switch (r.Op)
        {
            case "put":
                op = TxOp.Put;
                if (r.Value is null)
                {
                    return (null, "value: required for op put");
                }

                break;
            case "del":
                op = TxOp.Delete;
                if (r.Value is not null)
                {
                    return (null, "value: not allowed for op del");
                }

                break;
            case null:
                return (null, "op: required (put or del)");
            default:
                return (null, $"op: '{r.Op}' — expected put or del");
        }

        if (KeyAlphabet.Problem(r.Key ?? "") is { } keyProblem)
        {
            return (null, keyProblem);
        }

        byte[] key = System.Text.Encoding.UTF8.GetBytes(r.Key!);
        byte[] value = r.Value is null ? [] : System.Text.Encoding.UTF8.GetBytes(r.Value);
        byte[] id = r.Id is null ? [] : System.Text.Encoding.UTF8.GetBytes(r.Id);
        string? problem = Transaction.Validate(op, key.Length, value.Length, id.Length);
        return problem is null ? (Transaction.Create(op, key, value, id), null) : (null, problem);
    }

    private static bool HasLoneSurrogate(string? text) => text is not null && KeyAlphabet.UnpairedSurrogate(text) >= 0;


    /// <summary>Pin and chat transactions (SecureChat) have binary keys and values: shown in hex, op pin/unpin/chat.</summary>
    public static TxJson ToJson(Transaction tx) => tx.Op switch
    {
        TxOp.Put => new("put", tx.KeyString, tx.ValueString, tx.ClientIdString, tx.Hash.ToString()),
        TxOp.Delete => new("del", tx.KeyString, null, tx.ClientIdString, tx.Hash.ToString()),
        _ => new(tx.Op switch { TxOp.ContentPin => "pin", TxOp.ContentUnpin => "unpin", _ => "chat" }, Convert.ToHexString(tx.Key).ToLowerInvariant(), tx.Value.IsEmpty ? null : Convert.ToHexString(tx.Value).ToLowerInvariant(), tx.ClientIdString, tx.Hash.ToString()),
    };
}
