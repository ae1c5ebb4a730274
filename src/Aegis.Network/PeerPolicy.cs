using Aegis.Core.Consensus;

namespace Aegis.Network;

/// <summary>The authorization rule the architecture asks for: validators by key, anyone else only as an observer, if at all.</summary>
public static class PeerPolicy
{
    public static PeerAuthorizer ForValidators(ValidatorSet validators, bool allowObservers)
    {
        ArgumentNullException.ThrowIfNull(validators);
        return key => validators.FindByKey(key) is not null ? PeerRole.Validator : allowObservers ? PeerRole.Observer : null;
    }
}
