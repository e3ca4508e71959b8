// Package java catalogs the Maven packages in Java archives: jar, war, ear
// and Jenkins plugins (jpi, hpi), and the archives nested in them.
//
// # What is read
//
// Globs names "**/*.jar", "**/*.war", "**/*.ear", "**/*.jpi" and
// "**/*.hpi" (case-sensitive). These name files in any directory, so Catalog
// finds them with inventory.Find, which walks fsys; an image view holds only
// the files some cataloger keeps, so the walk is cheap there. Only regular
// files are read: symbolic links are not followed (Debian's
// /usr/share/java/guava.jar -> guava-31.1-jre.jar is read once, as
// guava-31.1-jre.jar).
//
// Every archive is a zip. Of each, Catalog reads the central directory and
// then only:
//
//   - every META-INF/maven/<group>/<artifact>/pom.properties: one package
//     each, Name "groupId:artifactId", Version its version (groupId and
//     artifactId default to the path's when absent). A shaded or uber jar
//     holds many; each is reported. The properties syntax is Java's
//     (key=value, key:value or key value; # and ! comments; backslash
//     continuations; \uXXXX and other escapes; ISO-8859-1 when not UTF-8).
//   - META-INF/MANIFEST.MF, main section only, and only when no
//     pom.properties is the archive's own (below).
//   - every entry whose name ends in .jar, .war, .ear, .jpi or .hpi, in any
//     directory (WEB-INF/lib in a war, BOOT-INF/lib in a Spring Boot jar,
//     lib/ and the modules of an ear, WEB-INF/lib of a Jenkins plugin), read
//     as an archive in turn, up to Config.MaxDepth levels deep. An entry
//     stored uncompressed (as Spring Boot requires) is read in place; a
//     compressed one is inflated into memory. Its packages have the Path
//     "<outer path>!/<entry name>", chained for each level
//     ("opt/app.ear!/web.war!/WEB-INF/lib/log4j-core-2.14.1.jar"); a top-level
//     archive's packages have its own path.
//
// # The archive's own identity
//
// Among the pom.properties of an archive, its own is, in order (artifacts
// compared in lower case, '_' and '.' read as '-'; the archive's versions
// are its file name's and the one its manifest gives, below):
//
//  1. one whose artifactId is the file name's artifact or whole stem
//     ("commons-lang3.jar", "geronimo-annotation-1.3-spec.jar" for
//     geronimo-annotation_1.3_spec), one with the archive's version first;
//  2. else one with the archive's version whose "artifactId-" starts the
//     file name, or whose artifactId is the file name's artifact but for
//     digits, the longest such (Debian's "wagon-http-shaded-3.5.3.jar" is
//     wagon-http 3.5.3, its "maven3-slf4j-provider.jar" of version 3.8.7 is
//     maven-slf4j-provider);
//  3. else the only one, unless the archive states a version that is not its
//     ("myapp-1.0.jar" holding only commons-codec 1.15 is not commons-codec;
//     Debian's guice.jar, Bundle-Version 4.2.3, holding only cglib 3.2.12 is
//     not cglib).
//
// All pom.properties are reported either way; the choice only decides
// whether the archive needs an identity of its own.
//
// An archive without its own pom.properties gets one inferred from its
// manifest and file name, with Confidence inventory.ConfidenceLow, unless a
// pom.properties in it has the same artifactId (a shaded copy of itself):
//
//   - version: Implementation-Version, else the file name's version, else
//     Bundle-Version, else Specification-Version; the first that has a digit
//     and no blank or "${". No version, no package: a file name without a
//     version gives nothing.
//   - artifactId: the file name's artifact; when the file name has no
//     version, Implementation-Title instead if it is a valid artifactId
//     (letters, digits, ". _ -").
//   - groupId: Implementation-Vendor-Id (maven-archiver writes the groupId
//     there); else the group that Bundle-SymbolicName, then
//     Automatic-Module-Name, implies by the Maven bundle plugin's rules: for
//     "<prefix>.<last>" the group is <prefix> when <last> is the artifactId
//     ("org.yaml.snakeyaml", "com.fasterxml.jackson.core.jackson-databind")
//     or when the artifactId is "<last segment of prefix>-<last>"
//     ("org.apache.commons.text" for commons-text, "org.apache.logging.log4j.core"
//     for log4j-core), and <prefix> has a dot. The plugin's third rule
//     ("com.google.guava" for guava is the group itself) cannot be told from
//     the first and is not applied. A module name is a Java package, not a
//     bundle name: only the second rule is applied to it ("com.google.guice"
//     does not make guice's group com.google). With no group, Name is the
//     artifactId alone, without a colon: no group is invented (a colon-less
//     Maven Name means "group unknown").
//
// The file name is Maven's "<artifactId>-<version>[-<classifier>].<ext>": a
// known classifier at the end (sources, javadoc, tests, shaded, all,
// linux-x86_64, ...) is dropped; the version starts at the last "-" followed
// by a digit, extended to the left over all-numeric segments, so that
// "log4j-1.2-api-2.17.1" is log4j-1.2-api 2.17.1, "guava-31.1-jre" is guava
// 31.1-jre, "spring-core-5.2.20.RELEASE" and "app-1.0-SNAPSHOT" keep their
// qualifiers, and "foo-1.0-20230101.120000-1" is a timestamped snapshot.
//
// Packages are deduplicated within one archive file and sorted. Layer, PURL,
// Locations and OwnedBy are left to inventory.Catalog.
//
// # Limits
//
// Config bounds everything, per file of the file system including all it
// nests: its size (MaxFileSize, 8 GiB; only a little of it is read), entries
// per archive (MaxEntries, 100,000) and in total (MaxTotalEntries, 1,000,000),
// nesting depth (MaxDepth, 4), one nested archive inflated into memory
// (MaxNestedSize, 256 MiB, also the cap for a file that offers no
// io.ReaderAt), all bytes inflated (MaxTotalBytes, 1 GiB), one
// pom.properties or manifest (MaxMetaSize, 1 MiB), archives per file system
// (MaxArchives, 100,000). A declared size over a limit is refused before
// anything is inflated, and inflating stops at the limit; archive/zip fails
// an entry that inflates past its declared size or fails its checksum (zip
// bombs). An empty file, a file that is not a zip, a corrupt central
// directory or a passed limit is logged (Warn, with the path and the reason)
// and skipped, keeping what was found before; a bad pom.properties,
// manifest or nested archive loses only itself. Entry names are never used
// to write anything; a nested archive whose entry name is not a clean
// relative path ("../x.jar", "/x.jar", "a\x.jar") is skipped, so that no Path
// pretends to be elsewhere. Catalog fails only when ctx ends or fsys fails.
//
// # Not read
//
// pom.xml (licences, parents, dependency lists: out of scope, so Licenses
// stays empty), class files and their hashes (no lookup of unknown jars by
// SHA-1, which needs a network or a Maven Central index), manifest sections
// other than the main one, Class-Path references, archives nested in
// entries of other kinds (.zip, .par, .rar, .sar), upper-case extensions
// (".JAR"), and jmods or the JDK's own modules image.
package java
