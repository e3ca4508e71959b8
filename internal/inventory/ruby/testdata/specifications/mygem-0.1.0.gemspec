# frozen_string_literal: true

Gem::Specification.new do |spec|
  spec.name          = 'my_gem'
  spec.version       = '0.1.0' # keep in sync with lib/my_gem/version.rb
  spec.authors       = ['Someone']
  spec.summary       = 'Written by Bundler\'s template'
  spec.license       = 'Apache-2.0'
  spec.name          = 'not-this-one'
end
