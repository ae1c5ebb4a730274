using Xunit.Sdk;

namespace Aegis.Storage.Tests.Support;

/// <summary>
/// A test of the shared store contract. It is declared once on the abstract contract class, so whether it needs
/// PostgreSQL depends on the concrete class it runs in — which only a discoverer can see: classes marked
/// <see cref="RequiresPostgresAttribute"/> get the same skip rule as <see cref="PostgresFactAttribute"/>.
/// </summary>
[XunitTestCaseDiscoverer("Aegis.Storage.Tests.Support.StoreFactDiscoverer", "Aegis.Storage.Tests")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class StoreFactAttribute : FactAttribute
{
}

/// <summary>Marks a concrete contract class whose store lives in the PostgreSQL test server.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class RequiresPostgresAttribute : Attribute
{
}
