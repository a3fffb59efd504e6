// Runner.cs - runs every NUnit-attributed test of this assembly ([TestFixture]
// classes, [Test] methods, [SetUp]/[TearDown]) and prints one line per test,
// "PASS: Fixture.Test" or "FAIL: Fixture.Test" with the reason, then
// "N passed, N failed". Exit status 1 when any test failed. A small runner
// instead of nunit-console, which needs a GUI-era config on Mono.
using System;
using System.Linq;
using System.Reflection;
using NUnit.Framework;

public static class Runner
{
    public static int Main(string[] args)
    {
        string only = args.Length > 0 ? args[0] : null;
        int passed = 0, failed = 0;
        var fixtures = Assembly.GetExecutingAssembly().GetTypes()
            .Where(t => t.GetCustomAttributes(typeof(TestFixtureAttribute), false).Length > 0)
            .OrderBy(t => t.Name);
        foreach (Type fixture in fixtures)
        {
            var methods = fixture.GetMethods().OrderBy(m => m.MetadataToken).ToList();
            MethodInfo setUp = methods.FirstOrDefault(m => m.GetCustomAttributes(typeof(SetUpAttribute), false).Length > 0);
            MethodInfo tearDown = methods.FirstOrDefault(m => m.GetCustomAttributes(typeof(TearDownAttribute), false).Length > 0);
            foreach (MethodInfo test in methods.Where(m => m.GetCustomAttributes(typeof(TestAttribute), false).Length > 0))
            {
                string name = fixture.Name + "." + test.Name;
                if (only != null && !name.Contains(only))
                    continue;
                object instance = Activator.CreateInstance(fixture);
                string why = null;
                try
                {
                    if (setUp != null)
                        setUp.Invoke(instance, null);
                    try
                    {
                        test.Invoke(instance, null);
                    }
                    finally
                    {
                        if (tearDown != null)
                            tearDown.Invoke(instance, null);
                    }
                }
                catch (TargetInvocationException e)
                {
                    why = e.InnerException.GetType().Name + ": " + e.InnerException.Message + "\n" + e.InnerException.StackTrace;
                }
                if (why == null)
                {
                    passed++;
                    Console.WriteLine("PASS: " + name);
                }
                else
                {
                    failed++;
                    Console.WriteLine("FAIL: " + name);
                    foreach (string line in why.Split('\n').Take(12))
                        Console.WriteLine("    " + line);
                }
            }
        }
        Console.WriteLine(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
