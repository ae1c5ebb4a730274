using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Encoding;

namespace Aegis.Core.Ledger;

/// <summary>Encoding and quorum checking shared by every certificate (commit, checkpoint, prepared).</summary>
public static class SignatureList
{
    /// <summary>Bytes <see cref="Write"/> produces for <paramref name="count"/> signatures.</summary>
    public static int EncodedSize(int count) => sizeof(uint) + (count * (sizeof(ushort) + Crypto.Signature.Size));

    public static void Write(CanonicalWriter w, IReadOnlyList<ValidatorSignature> signatures) =>
        CanonicalList.Write(w, signatures, static (w, s) =>
        {
            w.WriteU16(s.Validator);
            w.WriteFixed(s.Signature);
        });

    public static ValidatorSignature[] Read(ref CanonicalReader r, string field) =>
        CanonicalList.Read(ref r, field, LedgerLimits.MaxValidators, (ref CanonicalReader item) =>
            new ValidatorSignature(item.ReadU16(field + ".validator"), item.ReadFixed(Crypto.Signature.Size, field + ".signature").ToArray()));

    /// <summary>Null when the list holds a quorum of distinct validators each validly signing <paramref name="message"/>.</summary>
    public static string? VerifyQuorum(IReadOnlyList<ValidatorSignature> signatures, ValidatorSet validators, byte[] message, string what, int? threshold = null)
    {
        int needed = threshold ?? validators.Quorum.Size;
        if (signatures.Count < needed)
        {
            return $"{what} has {signatures.Count} signatures, needs {needed}";
        }

        var seen = new HashSet<ushort>();
        foreach (ValidatorSignature s in signatures)
        {
            if (!validators.Contains(s.Validator))
            {
                return $"{what} names validator {s.Validator}, not in the validator set";
            }

            if (!seen.Add(s.Validator))
            {
                return $"{what} counts validator {s.Validator} twice";
            }

            if (!validators[s.Validator].PublicKey.Verify(message, s.Signature))
            {
                return $"{what} has an invalid signature from validator {s.Validator}";
            }
        }

        return null;
    }
}
