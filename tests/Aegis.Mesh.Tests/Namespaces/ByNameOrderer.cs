using Xunit.Abstractions;
using Xunit.Sdk;

namespace Aegis.Mesh.Tests.Namespaces;

/// <summary>Runs a class's tests in name order: the namespace scenarios share one topology and the last ones change it for good.</summary>
public sealed class ByNameOrderer : ITestCaseOrderer
{
    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase => testCases.OrderBy(t => t.TestMethod.Method.Name, StringComparer.Ordinal);
}
