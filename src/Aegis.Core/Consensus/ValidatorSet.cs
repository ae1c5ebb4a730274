using Aegis.Core.Crypto;

namespace Aegis.Core.Consensus;

/// <summary>The fixed validator set from genesis, in index order.</summary>
public sealed class ValidatorSet
{
    private readonly Validator[] _validators;
    private readonly Dictionary<PublicKey, Validator> _byKey = [];
    private readonly Dictionary<string, Validator> _byId = new(StringComparer.Ordinal);

    public ValidatorSet(IReadOnlyList<Validator> validators)
    {
        if (validators.Count == 0)
        {
            throw new ArgumentException("a validator set needs at least one validator");
        }

        if (validators.Count > Ledger.LedgerLimits.MaxValidators)
        {
            throw new ArgumentException($"at most {Ledger.LedgerLimits.MaxValidators} validators are supported, got {validators.Count}");
        }

        _validators = [.. validators];
        for (int i = 0; i < _validators.Length; i++)
        {
            Validator v = _validators[i];
            if (v.Index != i)
            {
                throw new ArgumentException($"validator {v.Id} has index {v.Index}, expected {i}");
            }

            if (!_byKey.TryAdd(v.PublicKey, v))
            {
                throw new ArgumentException($"validator {v.Id} reuses the public key of {_byKey[v.PublicKey].Id}");
            }

            if (!_byId.TryAdd(v.Id, v))
            {
                throw new ArgumentException($"validator id {v.Id} appears twice");
            }
        }

        Quorum = new Quorum(_validators.Length);
    }

    public int Count => _validators.Length;

    public Quorum Quorum { get; }

    public IReadOnlyList<Validator> All => _validators;

    public Validator this[int index] => _validators[index];

    public bool Contains(int index) => index >= 0 && index < _validators.Length;

    /// <summary>Round-robin leader rotation: the primary of view v is validator v mod n.</summary>
    public int PrimaryOf(ulong view) => (int)(view % (ulong)_validators.Length);

    public Validator? FindByKey(PublicKey key) => _byKey.GetValueOrDefault(key);

    public Validator? FindById(string id) => _byId.GetValueOrDefault(id);
}
