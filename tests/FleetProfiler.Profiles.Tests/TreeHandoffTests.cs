namespace FleetProfiler.Profiles.Tests;

public class TreeHandoffTests
{
    private static CallTree Tree() => TestTrees.Cpu("Main;Work;Parse 3", "Main;Work 2", "Main;Idle 1");

    [Fact]
    public void The_array_it_encoded_gives_back_the_very_tree_and_the_bytes_are_the_codecs()
    {
        var tree = Tree();
        var bytes = TreeHandoff.Encode(tree);
        Assert.Equal(CallTreeCodec.Serialize(tree), bytes);
        Assert.Same(tree, TreeHandoff.Decode(bytes));
        // Taken once: a second decoding of the same array decodes the bytes.
        var again = TreeHandoff.Decode(bytes);
        Assert.NotSame(tree, again);
        Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(again));
    }

    [Fact]
    public void Any_other_array_is_decoded_even_with_the_same_bytes()
    {
        var tree = Tree();
        var copy = TreeHandoff.Encode(tree).ToArray();
        var decoded = TreeHandoff.Decode(copy);
        Assert.NotSame(tree, decoded);
        Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(decoded));
        Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(TreeHandoff.Decode(CallTreeCodec.Serialize(tree))));
    }

    [Fact]
    public void Bytes_that_are_not_a_tree_fail_as_the_codec_does()
    {
        Assert.Throws<ProfileDataException>(() => TreeHandoff.Decode([1, 2, 3, 4, 5, 6, 7, 8, 9]));
        Assert.Throws<ArgumentNullException>(() => TreeHandoff.Decode(null!));
    }
}
